#' Staggered difference-in-differences with two-way fixed effects
#'
#' Estimates `outcome = beta * D + controls + unit FE + period FE (+ more FE)`
#' by weighted or unweighted least squares, with the fixed effects absorbed
#' exactly in C, and cluster-robust (one or two ways), HC1 or iid standard
#' errors. The treatment dummy `D` is either a 0/1 column (`treat`) or built
#' from each unit's first treated period (`cohort`): `D = 1` from that period
#' on.
#'
#' Rows with a missing or non-finite value in any variable of the model, rows
#' outside `subset`, rows with zero weight and singletons (rows alone in a
#' level of a fixed effect, dropped iteratively as reghdfe does) are dropped
#' and counted in `fit$dropped`; `print()` reports them.
#'
#' @param formula `outcome ~ controls`; `outcome ~ 1` for no controls.
#'   Controls may be any terms `model.matrix()` understands.
#' @param data A data frame, data.table or tibble in long format: one row per
#'   unit and period.
#' @param id,time Names of the unit and period columns.
#' @param treat Name of a 0/1 treatment column (such as `"Smart_Policy"`).
#' @param cohort Name of a column holding each unit's first treated period
#'   (`NA`, 0 or `Inf` for never treated). Give `treat` or `cohort`, not both.
#' @param cluster One or two column names to cluster by (default: `id`).
#' @param vcov `"cluster"`, `"hc1"` or `"iid"`.
#' @param weights Name of a column of non-negative analytic weights.
#' @param fe Extra fixed effects beyond unit and period: column names, or
#'   interactions written `"province^year"`.
#' @param subset A logical vector (one value per row) or a one-sided formula
#'   evaluated in `data`, such as `~ central_city == 0`.
#' @param ssc Small-sample rules, see [ssc_rules()].
#' @param singletons Drop singletons (the default) or keep them.
#' @param nthreads Threads for the C engine, see [smartdid_threads()].
#' @param design `"staggered"` (the default): `treat` is a 0/1 column (or
#'   `cohort` gives adoption periods), as in staggered adoption. `"general"`:
#'   `treat` may be any numeric treatment that switches on and off or varies
#'   in intensity (binary, discrete or continuous); the fit's coefficient is
#'   then the two-way fixed-effects slope on it, and
#'   `event_study(fit, estimator = "dcdh")` gives the de Chaisemartin and
#'   D'Haultfoeuille (2024) event study, valid with such treatments.
#' @param treat_name With `cohort`: the name of the treatment dummy built
#'   from it, and so of its coefficient, such as the policy's name
#'   (`"Smart_Policy"`); by default the cohort column's name and
#'   `"_treated"`. (With `treat`, the coefficient is named after that column.)
#' @param ... Not used; an error if given, to catch misspelt arguments.
#' @return An object of class `smartdid`: a list with `coefficients`,
#'   `vcov`, `residuals`, `nobs`, `n_clusters`, `r.squared`,
#'   `adj.r.squared`, `within.r.squared`, `dropped` (rows dropped and why),
#'   `vcov_info` (the variance type and the small-sample rules used) and the
#'   model specification, and `data`, the data passed in (not a copy, to
#'   save memory: a data.table changed by reference afterwards changes it
#'   too, and with it what [update()] and the analyses built on the fit see).
#'   The fit also keeps its estimation sample as the engine saw it (`panel`:
#'   integer codes of the fixed effects and clusters on the rows `obs`, no
#'   copy of the data's columns) and the checked specification (`spec`), so
#'   that [stata_constant()], [placebo()], [boottest()] and the event
#'   studies re-use them instead of rebuilding them; a fit saved by an
#'   earlier version without them still works (they are rebuilt).
#'   Methods: `print`, `summary`, `coef`, `vcov`,
#'   `confint`, `nobs`, `fitted`, `residuals`, `update`, `generics::tidy`,
#'   `generics::glance`.
#' @examples
#' set.seed(1)
#' d <- expand.grid(unit = 1:40, year = 2001:2010)
#' d$first <- ifelse(d$unit <= 20, 2004 + d$unit %% 4, NA)
#' d$D <- as.numeric(!is.na(d$first) & d$year >= d$first)
#' d$x <- rnorm(nrow(d))
#' d$y <- 0.5 * d$D + 0.3 * d$x + d$unit / 10 + rnorm(nrow(d))
#' fit <- smartdid(y ~ x, data = d, id = "unit", time = "year", treat = "D")
#' fit
#' generics::tidy(fit)
#' # the same model from the adoption periods
#' smartdid(y ~ x, data = d, id = "unit", time = "year", cohort = "first")
#' @export
smartdid <- function(formula, data, id, time, treat = NULL, cohort = NULL,
                     cluster = id, vcov = "cluster", weights = NULL, fe = NULL,
                     subset = NULL, ssc = ssc_rules(), singletons = TRUE,
                     nthreads = smartdid_threads(),
                     design = c("staggered", "general"), treat_name = NULL, ...) {
  check_no_dots("smartdid()", ...)
  cl <- match.call()
  design <- sd_match_arg(design, c("staggered", "general"), "design")
  if (design == "general" && (is.null(treat) || !is.null(cohort))) {
    sd_stop("design = \"general\" needs 'treat' (a numeric treatment column), not ",
            "'cohort'")
  }
  check_data(data)
  data <- sd_plain_columns(data, sd_used_columns(formula, id, time, treat, cohort,
                                                 cluster, weights, fe))
  check_string(id, "id")
  check_string(time, "time")
  check_column(data, c(id), "id")
  check_column(data, c(time), "time")
  check_flag(singletons, "singletons")
  nthreads <- check_count(nthreads, "nthreads", min = 1)
  spec <- sd_spec(formula, data, id, time, cluster, vcov, weights, fe, ssc)
  panel <- sd_panel(data, id, time, treat, cohort, spec$vars, spec$cluster,
                    weights, fe, subset, singletons = singletons,
                    treat_name = treat_name, design = design)
  dsn <- sd_design(data, panel, spec, gather = TRUE)
  est <- sd_estimate(dsn$y, dsn$X, panel, spec, nthreads, rows = dsn$rows)
  fit <- sd_build_fit(est, dsn, panel, spec)
  fit$call <- cl
  fit$args <- list(formula = formula, id = id, time = time, treat = treat,
                   cohort = cohort, cluster = spec$cluster, vcov = spec$vcov,
                   weights = weights, fe = fe, subset = subset, ssc = ssc,
                   singletons = singletons, nthreads = nthreads, design = design,
                   treat_name = treat_name)
  fit$design <- design
  fit$data <- data
  # the sample as the engine saw it, for every later re-estimation (codes
  # and weights only: see sd_fit_panel() in R/engine.R)
  fit$panel <- sd_panel_store(panel, data, c(id, time))
  fit$spec <- spec
  warn_few_clusters(fit)
  fit
}

# Check the model's roles and return what the other steps need.
sd_spec <- function(formula, data, id, time, cluster, vcov, weights, fe, ssc) {
  if (!inherits(formula, "formula") || length(formula) != 3L) {
    sd_stop("'formula' must be a two-sided formula such as y ~ x1 + x2 ",
            "(y ~ 1 for no controls)")
  }
  outcome <- all.vars(formula[[2]])
  if (length(outcome) != 1L) sd_stop("'formula' must have one outcome on its left side")
  if (!is.name(formula[[2]])) {
    sd_stop("'formula' must have a column name on its left side, not the expression ",
            deparse(formula[[2]], width.cutoff = 60L)[1], "; add the transformed ",
            "outcome to 'data' as a column first")
  }
  check_column(data, outcome, "formula")
  check_numeric_column(data, outcome, "formula")
  rhs_vars <- all.vars(formula[[3]])
  check_column(data, rhs_vars, "formula")
  # a sum of column names needs no terms() (slow next to a small fit)
  labels <- sum_of_names(formula[[3]])
  if (is.null(labels)) {
    tt <- stats::terms(formula)
    if (!is.null(attr(tt, "offset"))) {
      sd_stop("'formula' has an offset(), which smartdid() does not fit; subtract ",
              "it from the outcome first")
    }
    labels <- unbacktick(attr(tt, "term.labels"))
  }
  if (!is.character(vcov) || length(vcov) != 1L ||
      !vcov %in% c("cluster", "hc1", "iid")) {
    sd_stop("'vcov' must be one of \"cluster\", \"hc1\" or \"iid\"")
  }
  if (vcov == "cluster") {
    if (!is.character(cluster) || !length(cluster) %in% 1:2 || anyNA(cluster)) {
      sd_stop("'cluster' must name one or two columns of 'data'")
    }
    check_column(data, cluster, "cluster")
    for (v in cluster) {
      x <- .subset2(data, v)
      if (anyNA(x) && all(is.na(x))) {
        sd_stop("'cluster' column '", v, "' is entirely NA; choose another ",
                "cluster variable")
      }
    }
  } else {
    cluster <- NULL
  }
  if (!is.null(weights)) {
    check_string(weights, "weights")
    check_column(data, weights, "weights")
    w <- .subset2(data, weights)
    if (!is.numeric(w)) sd_stop("'weights' column '", weights, "' must be numeric")
    if (any(w < 0, na.rm = TRUE)) {
      sd_stop("'weights' column '", weights, "' has negative values; ",
              "weights must be >= 0")
    }
  }
  if (!is.null(fe) && (!is.character(fe) || anyNA(fe))) {
    sd_stop("'fe' must be a character vector of column names or ",
            "interactions such as \"province^year\"")
  }
  if (!inherits(ssc, "smartdid_ssc")) sd_stop("'ssc' must come from ssc_rules()")
  list(formula = formula, outcome = outcome, rhs = rhs_vars,
       vars = unique(c(outcome, rhs_vars)), cluster = cluster, vcov = vcov,
       ssc = ssc, labels = labels, plain = is_plain_rhs(labels, data))
}

# The term labels of a right side that is `1` or a sum of column names
# (x1 + x2 + ...), as terms() would give them; NULL for anything else.
sum_of_names <- function(rhs) {
  if (is.name(rhs)) return(as.character(rhs))
  if (is.numeric(rhs) && identical(as.vector(rhs), 1)) return(character())
  if (is.call(rhs) && length(rhs) == 3L && identical(rhs[[1L]], quote(`+`))) {
    a <- sum_of_names(rhs[[2L]])
    b <- if (!is.null(a)) sum_of_names(rhs[[3L]])
    if (is.null(b) || (length(a) && !length(b)) || (!length(a) && length(b))) return(NULL)
    return(unique(c(a, b)))
  }
  NULL
}

# Term labels without the backticks that non-syntactic names carry.
unbacktick <- function(x) {
  if (!any(startsWith(x, "`"))) return(x)
  sub("^`(.*)`$", "\\1", x)
}

# TRUE when the right side (its term labels) is a sum of numeric columns (a
# fast path that skips model.matrix).
is_plain_rhs <- function(labels, data) {
  if (!length(labels)) return(TRUE)
  if (!all(labels %in% names(data))) return(FALSE)
  for (v in labels) {
    x <- .subset2(data, v)
    if (!is.numeric(x) && !is.logical(x)) return(FALSE)
  }
  TRUE
}

# Outcome and regressor columns (treatment first) on the estimation sample.
# With `gather`, plain numeric columns are returned whole with the sample's
# rows in `rows` (NULL when every row is used): the C engine reads them at
# those rows, so R makes no subset copies of them.
sd_design <- function(data, panel, spec, gather = FALSE) {
  obs <- panel$obs
  full <- length(obs) == nrow(data)
  pick <- function(v) {
    x <- .subset2(data, v)
    if (full) x else x[obs]
  }
  rows <- NULL
  if (spec$plain) {
    labs <- spec$labels
    if (gather) {
      # whole columns (the engine reads integers and logicals as numbers)
      y <- .subset2(data, spec$outcome)
      X <- lapply(labs, function(v) .subset2(data, v))
      if (!full) rows <- obs
    } else {
      y <- as.double(pick(spec$outcome))
      X <- lapply(labs, function(v) as.double(pick(v)))
    }
    names(X) <- labs
  } else {
    y <- as.double(pick(spec$outcome))
    mf <- as.data.frame(lapply(stats::setNames(spec$rhs, spec$rhs), pick),
                        check.names = FALSE)
    mm <- stats::model.matrix(stats::delete.response(stats::terms(spec$formula)), mf)
    mm <- mm[, colnames(mm) != "(Intercept)", drop = FALSE]
    X <- lapply(seq_len(ncol(mm)), function(j) mm[, j])
    names(X) <- colnames(mm)
  }
  if (panel$treat_name %in% names(X)) {
    sd_stop("the treatment '", panel$treat_name, "' must not also be a control ",
            "in 'formula'")
  }
  X <- c(stats::setNames(list(panel$d), panel$treat_name), X)
  list(y = y, X = X, rows = rows)
}

# Demean, solve, and compute the variance: the C engine's one entry in R.
# With `scores` and a clustered variance, also the per-cluster influence of
# the coefficients (sd_scores(): list(psi, sign, codes), psi's columns named
# like the coefficients), so that sum_j sign_j crossprod(psi_j) is V.
sd_estimate <- function(y, X, panel, spec, nthreads = smartdid_threads(),
                        rows = NULL, caller = "smartdid()", scores = FALSE) {
  # columns (and weights) of extreme magnitude are scaled by powers of two
  # before the cross products and scaled back below (exact)
  eq <- sd_equilibrate(y, X, panel$weights, rows)
  y0 <- y
  y <- eq$y
  X <- eq$X
  w <- eq$w
  # the outcome and the regressors are demeaned with one shared setup but
  # returned apart, so that the regressor matrix reaches the solver as it is;
  # with `rows`, whole columns are read at those rows
  D <- sd_absorb_yx(y, X, panel$fe, panel$fe_nlev, w, nthreads, rows, caller)
  # the C results carry no attributes to change: changing those of a large
  # object here could cost a copy of it
  yd <- D$y
  Xd <- D$X
  ss <- D$ss
  ss_y <- ss[, 1L]   # sum of squares of y about its mean, and of y~
  ss <- ss[, -1L, drop = FALSE]
  # regressors the fixed effects absorb: nothing left after demeaning
  absorbed <- ss[2, ] <= 1e-12 * pmax(ss[1, ], .Machine$double.xmin)
  if (any(absorbed)) Xd <- Xd[, !absorbed, drop = FALSE]
  # the clustered meat of the first cluster variable comes from the same
  # pass over the data as the residuals
  cl1 <- if (spec$vcov == "cluster" && length(panel$cluster)) panel$cluster[[1]]
  ols <- .Call(C_sd_ols_meat, Xd, yd, w, 1e-10, cl1, panel$cluster_G[1],
               as.integer(nthreads))
  kept <- which(!absorbed)[ols$keep]
  if (!1L %in% kept) {
    sd_stop("the treatment '", names(X)[1], "' is collinear with the fixed ",
            "effects or the controls: its effect cannot be estimated (as when ",
            "every treated unit is treated in all its periods, or all units ",
            "adopt in the same period)")
  }
  if (!all(ols$keep)) Xd <- Xd[, ols$keep, drop = FALSE]
  bread <- ols$bread[ols$keep, ols$keep, drop = FALSE]
  b <- ols$coefficients[ols$keep]
  names(b) <- colnames(Xd)
  v <- sd_vcov(Xd, ols$residuals, w, bread, spec$vcov, panel$cluster,
               panel$cluster_G, panel$fe, panel$fe_nlev, spec$ssc,
               meat1 = if (!is.null(cl1)) ols$meat[ols$keep, ols$keep, drop = FALSE])
  dimnames(v$V) <- list(names(b), names(b))
  e <- ols$residuals
  sc <- if (scores && spec$vcov == "cluster") {
    sd_scores(Xd, e, w, bread, panel$cluster, panel$cluster_G, v$factor)
  }
  if (eq$any) {
    k <- eq$ex[names(b)] - eq$ey
    b <- sd_pow2(b, k)
    v$V <- sd_pow2(sd_pow2(v$V, k), rep(k, each = length(k)))
    # a score column scales as its coefficient (the weights' scale cancels)
    if (!is.null(sc)) {
      sc$psi <- lapply(sc$psi, function(P) sd_pow2(P, rep(k, each = nrow(P))))
    }
    if (eq$ey != 0L) {
      e <- sd_pow2(e, -eq$ey)
      yd <- sd_pow2(yd, -eq$ey)
      ss_y <- sd_pow2(ss_y, -2L * eq$ey)
    }
  }
  # y on the sample, for the weighted total sum of squares
  y <- y0
  if (!is.null(rows) && !is.null(panel$weights)) y <- as.double(y[rows])
  list(coefficients = b, V = v$V, vinfo = v, residuals = e,
       yd = yd, ss_y = ss_y, collinear = names(X)[-kept], y = y,
       converged = D$converged, scores = sc)
}

weighted_ss <- function(x, w) {
  if (is.null(w)) sum((x - mean(x))^2) else sum(w * (x - sum(w * x) / sum(w))^2)
}

sd_build_fit <- function(est, design, panel, spec) {
  n <- length(est$residuals)
  w <- panel$weights
  e <- est$residuals
  ssr <- if (is.null(w)) drop(crossprod(e)) else sum(w * e^2)  # no n-long temporary
  tss <- if (is.null(w)) est$ss_y[1] else weighted_ss(est$y, w)
  r2 <- 1 - ssr / tss
  K_all <- count_K(length(est$coefficients), panel$fe_nlev, rep(TRUE, length(panel$fe_nlev)))
  within_tss <- if (is.null(w)) est$ss_y[2] else sum(w * est$yd^2)
  df_t <- switch(spec$ssc$t_df, normal = Inf, residual = n - est$vinfo$K,
                 cluster = est$vinfo$df)
  fit <- list(
    coefficients = est$coefficients,
    vcov = est$V,
    residuals = e,
    nobs = n,
    n_clusters = if (is.null(spec$cluster)) NULL else
      stats::setNames(panel$cluster_G, spec$cluster),
    df_t = df_t,
    r.squared = r2,
    adj.r.squared = 1 - (1 - r2) * (n - 1) / (n - K_all),
    within.r.squared = 1 - ssr / within_tss,
    ssr = ssr,
    K = K_all,
    vcov_info = list(type = spec$vcov, cluster = spec$cluster, ssc = spec$ssc,
                     K = est$vinfo$K, factor = est$vinfo$factor, df = df_t),
    outcome = spec$outcome,
    treat_name = panel$treat_name,
    controls = setdiff(names(design$X), panel$treat_name),
    collinear = est$collinear,
    converged = est$converged,
    fe_names = panel$fe_names,
    fe_nlev = stats::setNames(panel$fe_nlev, panel$fe_names),
    obs = panel$obs,
    n_input = panel$n_input,
    dropped = panel$dropped
  )
  class(fit) <- "smartdid"
  fit
}

# design = "general": any numeric treatment (logical read as 0/1).
treatment_general <- function(d, treat) {
  if (is.logical(d)) d <- as.numeric(d)
  if (!is.numeric(d)) {
    sd_stop("'treat' column '", treat, "' must be numeric (or logical) with ",
            "design = \"general\", not ", class(d)[1])
  }
  list(d = as.double(d), name = treat, cohort = NULL, general = TRUE)
}
