# The mechanism model of the study's Table 6: the treatment interacted with a
# moderator, with the moderator's main effect, on the fit's own sample,
# weights, fixed effects and variance rules.

#' Mechanism (moderation) model: treatment x moderator
#'
#' Re-estimates `fit` with two more regressors: the moderator and the
#' product of the treatment dummy and the moderator, named
#' `"<treatment>:<moderator>"` (such as `"Smart_Policy:Ind_Pro"`), as in the
#' study's Table 6. Everything else is kept: controls, weights (so a PSM-DID
#' fit on matched data stays one), fixed effects, subset and variance rules.
#' The treatment's own coefficient is then its effect where the moderator is
#' zero, or at the moderator's mean with `center = TRUE`.
#'
#' @param fit A [smartdid()] fit.
#' @param moderator Name of a numeric column of the fit's data.
#' @param center `FALSE` (the moderator as it is), `TRUE` (centred at its
#'   mean over the fit's estimation sample, weighted if the fit is) or a
#'   number to centre at. Centring changes only the treatment's coefficient.
#' @return A `smartdid` fit (class `c("smartdid_mechanism", "smartdid")`)
#'   with an element `mechanism`: the moderator, the interaction term's name
#'   and the centring value.
#' @examples
#' set.seed(2)
#' d <- expand.grid(unit = 1:40, year = 1:8)
#' d$D <- as.numeric(d$unit <= 15 & d$year >= 5)
#' d$M <- runif(nrow(d))
#' d$y <- d$D * (1 - d$M) + 0.3 * d$M + rnorm(nrow(d), sd = 0.2)
#' fit <- smartdid(y ~ 1, data = d, id = "unit", time = "year", treat = "D")
#' mechanism(fit, moderator = "M")
#' @export
mechanism <- function(fit, moderator = "Ind_Pro", center = FALSE) {
  check_fit(fit)
  check_string(moderator, "moderator")
  data <- fit$data
  a <- fit$args
  check_column(data, moderator, "moderator", data_arg = "fit$data")
  if (!is.numeric(data[[moderator]])) {
    sd_stop("'moderator' column '", moderator, "' must be numeric")
  }
  tname <- fit$treat_name
  if (moderator == tname || moderator %in% c(a$id, a$time)) {
    sd_stop("'moderator' must differ from the treatment, 'id' and 'time'")
  }
  d <- build_treatment(data, a$time, a$treat, a$cohort)$d
  if (is.null(a$treat) && tname %in% names(data) &&
      !isTRUE(all.equal(as.numeric(data[[tname]]), d))) {
    sd_stop("the data has a column '", tname, "' that is not the treatment ",
            "dummy built from 'cohort'; rename it before calling mechanism()")
  }
  data <- set_column(data, tname, d)
  cval <- mechanism_center(center, data[[moderator]], fit)
  if (cval != 0) data <- set_column(data, moderator, data[[moderator]] - cval)
  bq <- function(v) if (make.names(v) == v) v else paste0("`", v, "`")
  inter <- paste0(tname, ":", moderator)
  # the interaction written first so that its term keeps the treatment first
  rhs <- paste(deparse(a$formula[[3]], width.cutoff = 500L), collapse = " ")
  form <- stats::as.formula(
    paste(bq(fit$outcome), "~", rhs, "+", bq(tname), ":", bq(moderator), "+",
          bq(moderator)), env = environment(a$formula))
  out <- stats::update(fit, form, data = data)
  out <- rename_term(out, paste0(moderator, ":", tname), inter)
  out$call <- match.call()
  out$mechanism <- list(moderator = moderator, interaction = inter, center = cval)
  out$key_terms <- c(inter, moderator)
  class(out) <- c("smartdid_mechanism", class(out))
  out
}

# Rename a coefficient everywhere a fit names it.
rename_term <- function(fit, from, to) {
  nm <- names(fit$coefficients)
  if (!from %in% nm) return(fit)
  nm[nm == from] <- to
  names(fit$coefficients) <- nm
  dimnames(fit$vcov) <- list(nm, nm)
  fit$controls[fit$controls == from] <- to
  fit$collinear[fit$collinear == from] <- to
  fit$renamed <- c(fit$renamed, stats::setNames(to, from))
  fit
}

mechanism_center <- function(center, m, fit) {
  if (isFALSE(center)) return(0)
  if (isTRUE(center)) {
    rows <- fit$obs
    x <- m[rows]
    w <- if (is.null(fit$args$weights)) rep(1, length(x)) else fit$data[[fit$args$weights]][rows]
    ok <- is.finite(x)
    return(sum(w[ok] * x[ok]) / sum(w[ok]))
  }
  if (is.numeric(center) && length(center) == 1L && is.finite(center)) return(center)
  sd_stop("'center' must be TRUE, FALSE or a number")
}

#' @export
print.smartdid_mechanism <- function(x, ...) {
  NextMethod()
  m <- x$mechanism
  cat("Mechanism: ", m$interaction, " (", m$moderator,
      if (m$center != 0) paste0(" centred at ", format(m$center, digits = 6)) else "",
      ")\n", sep = "")
  invisible(x)
}
