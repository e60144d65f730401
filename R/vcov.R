# Sandwich variances on the demeaned design with the small-sample rules of
# fixest (and reghdfe): which fixed effects count in K, the G/(G-1) factor,
# and the degrees of freedom of the t distribution.

#' Small-sample rules for the variance
#'
#' The defaults reproduce fixest's defaults (and reghdfe's): fixed effects
#' nested in a cluster variable do not count in the number of parameters K,
#' the cluster factor G/(G-1) uses the smallest number of clusters, and
#' p-values come from a t distribution with G-1 degrees of freedom.
#'
#' @param adj Apply (n-1)/(n-K) to clustered variances (n/(n-K) to HC1, and
#'   divide by n-K for iid).
#' @param fixef_K How fixed effects enter K: `"nested"` (those nested in the
#'   cluster drop out), `"full"` (all of them) or `"none"`.
#' @param cluster_adj Apply G/(G-1).
#' @param t_df `"cluster"` for G-1 degrees of freedom when clustering (the
#'   residual degrees of freedom otherwise), `"residual"` for n-K always,
#'   `"normal"` for the normal distribution.
#' @return A list of class `smartdid_ssc`, for the `ssc` argument of
#'   [smartdid()].
#' @examples
#' ssc_rules()
#' ssc_rules(fixef_K = "full")
#' @export
ssc_rules <- function(adj = TRUE, fixef_K = c("nested", "full", "none"),
                      cluster_adj = TRUE, t_df = c("cluster", "residual", "normal")) {
  check_flag(adj, "adj")
  check_flag(cluster_adj, "cluster_adj")
  structure(list(adj = adj, fixef_K = sd_match_arg(fixef_K, c("nested", "full", "none"), "fixef_K"),
                 cluster_adj = cluster_adj, t_df = sd_match_arg(t_df, c("cluster", "residual", "normal"), "t_df")),
            class = "smartdid_ssc")
}

#' @export
print.smartdid_ssc <- function(x, ...) {
  cat(format_ssc(x), "\n", sep = "")
  invisible(x)
}

format_ssc <- function(x) {
  paste0("adj = ", x$adj, ", fixef_K = \"", x$fixef_K, "\", cluster_adj = ",
         x$cluster_adj, ", t_df = \"", x$t_df, "\"")
}

# Is each fixed effect nested in at least one cluster variable?
fe_nested <- function(fe, fe_nlev, clusters) {
  vapply(seq_along(fe), function(f) {
    any(vapply(clusters, function(cl) {
      # a nested effect has at least as many levels as there are clusters
      if (fe_nlev[f] < max(cl)) return(FALSE)
      if (identical(cl, fe[[f]])) return(TRUE)
      first <- match(seq_len(fe_nlev[f]), fe[[f]])
      all(cl == cl[first][fe[[f]]])
    }, TRUE))
  }, TRUE)
}

# Number of parameters: regressors plus free fixed-effect levels (one level
# of every fixed effect after the first is redundant in a connected panel).
count_K <- function(p, fe_nlev, counted) {
  m <- sum(counted)
  p + sum(fe_nlev[counted]) - max(0L, m - 1L)
}

sd_vcov <- function(Xd, e, w, bread, type, clusters, cluster_G, fe, fe_nlev, ssc) {
  n <- length(e)
  p <- ncol(Xd)
  K_all <- count_K(p, fe_nlev, rep(TRUE, length(fe_nlev)))
  if (type == "iid") {
    ssr <- sum(if (is.null(w)) e^2 else w * e^2)
    V <- bread * ssr / if (ssc$adj) (n - K_all) else n
    return(list(V = V, K = K_all, factor = 1, df = n - K_all, G = NULL))
  }
  if (type == "hc1") {
    meat <- .Call(C_sd_meat_hc, Xd, e, w)
    fac <- if (ssc$adj) n / (n - K_all) else 1
    return(list(V = fac * bread %*% meat %*% bread, K = K_all, factor = fac,
                df = n - K_all, G = NULL))
  }
  counted <- switch(ssc$fixef_K,
                    nested = !fe_nested(fe, fe_nlev, clusters),
                    full = rep(TRUE, length(fe_nlev)),
                    none = rep(FALSE, length(fe_nlev)))
  K <- count_K(p, fe_nlev, counted)
  G <- min(cluster_G)
  fac <- (if (ssc$adj) (n - 1) / (n - K) else 1) *
    (if (ssc$cluster_adj) G / (G - 1) else 1)
  meat_of <- function(codes, ng) .Call(C_sd_meat_cluster, Xd, e, w, codes, ng)
  meat <- meat_of(clusters[[1]], cluster_G[[1]])
  if (length(clusters) == 2L) {
    both <- group_codes(paste(clusters[[1]], clusters[[2]]))
    meat <- meat + meat_of(clusters[[2]], cluster_G[[2]]) -
      meat_of(as.vector(both), length(attr(both, "levels")))
  }
  list(V = fac * bread %*% meat %*% bread, K = K, factor = fac, df = G - 1, G = G)
}
