#' smartdid: fast staggered difference-in-differences
#'
#' Two-way fixed-effects DID with cluster-robust inference computed in C,
#' and the analyses of an applied policy evaluation around it. Start with
#' [smartdid()].
#'
#' @keywords internal
#' @name smartdid-package
#' @aliases smartdid-package
#' @useDynLib smartdid, .registration = TRUE, .fixes = "C_"
#' @importFrom stats coef vcov nobs residuals fitted confint update
"_PACKAGE"
