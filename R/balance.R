# Balance tables after propensity-score matching, as Stata's pstest
# (psmatch2 4.x) computes them, and their text, Markdown and LaTeX layouts.

#' Covariate balance before and after matching (Stata pstest)
#'
#' For every covariate of a [psm()] result, the unmatched sample (all units
#' used to estimate the score) and the matched sample (weighted by the
#' matching weights, psmatch2's `_weight`), with the statistics of Stata's
#' `pstest ..., both`:
#' - `treated_mean`, `control_mean`: means (weighted in the matched rows);
#' - `std_bias_pct`: standardised bias `100 (mean_T - mean_C) /
#'   sqrt((var_T + var_C) / 2)` with the *unmatched* variances in the
#'   denominator of both rows, so the rows are comparable (MatchIt's
#'   standardised mean difference divides by the treated SD instead);
#' - `bias_reduction_pct`: `-100 (|bias_M| - |bias_U|) / |bias_U|` (matched
#'   rows only);
#' - `t`, `p`: the t test of the difference, the regression of the
#'   covariate on the treatment dummy; in the matched rows with the matching
#'   weights as Stata importance weights (the sum of the weights counts as
#'   the sample size);
#' - `var_ratio`: variance of the treated over variance of the controls
#'   (importance-weighted in the matched rows), `var_flag` when it lies
#'   outside the 2.5 % and 97.5 % quantiles of F(N_T - 1, N_C - 1).
#'
#' The summary (attribute `"summary"`, or [glance()]) has, per sample, the
#' pseudo R2 (McFadden), LR chi2 and its p-value of the score model
#' re-estimated on that sample (weighted on the matched one), the mean and
#' median absolute bias, Rubin's B (the absolute standardised difference of
#' the re-estimated model's linear index, each sample's own variances) and
#' Rubin's R (the ratio of its variances), and the percentage of covariates
#' with flagged variance ratios. B < 25 and R within \[0.5, 2\] are Rubin's
#' (2001) rules of thumb.
#'
#' At `level = "unit"` the table compares the units' baseline covariates.
#' With `by`, the table pools all groups.
#'
#' @param m A [psm()] result.
#' @param link Link of the re-estimated score model in the summary; the
#'   link used for matching by default. Stata's pstest fits a probit
#'   (`link = "probit"`).
#' @return A data frame of class `smartdid_balance`, two rows per covariate
#'   (`sample` "unmatched" then "matched") with the columns `variable`,
#'   `sample`, `treated_mean`, `control_mean`, `std_bias_pct`,
#'   `bias_reduction_pct`, `t`, `p`, `var_ratio`, `var_flag`, `n_treated`,
#'   `n_control` (the matched counts are sums of weights), and the summary
#'   rows in attribute `"summary"`. `print()` lays it out as the study's
#'   Table 2; [format_balance()] gives text, Markdown or LaTeX.
#' @examples
#' set.seed(4)
#' d <- data.frame(unit = 1:300, year = 1, x1 = rnorm(300), x2 = rexp(300))
#' d$treated <- rbinom(300, 1, plogis(d$x1 - 1))
#' m <- psm(d, "treated", c("x1", "x2"), id = "unit", time = "year")
#' b <- balance(m)
#' b
#' attr(b, "summary")
#' @export
balance <- function(m, link = NULL) {
  check_psm(m)
  link <- if (is.null(link)) m$settings$link else
    psm_choice(link, c("logit", "probit"), "link")
  u <- m$units
  X <- m$X
  t1 <- u$treat == 1L
  w <- u$freq_weights
  on <- w > 0
  rows <- lapply(seq_len(ncol(X)), function(j) {
    x <- X[, j]
    a1 <- bal_moments(x[t1])
    a0 <- bal_moments(x[!t1])
    b1 <- bal_moments(x[t1 & on], w[t1 & on])
    b0 <- bal_moments(x[!t1 & on], w[!t1 & on])
    sd_u <- sqrt((a1$var + a0$var) / 2)
    bias <- 100 * c(a1$mean - a0$mean, b1$mean - b0$mean) / sd_u
    tu <- bal_ttest(a1, a0)
    tm <- bal_ttest(b1, b0)
    vr <- c(a1$var / a0$var, b1$var / b0$var)
    data.frame(variable = colnames(X)[j], sample = c("unmatched", "matched"),
               treated_mean = c(a1$mean, b1$mean), control_mean = c(a0$mean, b0$mean),
               std_bias_pct = bias,
               bias_reduction_pct = c(NA, -100 * (abs(bias[2]) - abs(bias[1])) / abs(bias[1])),
               t = c(tu$t, tm$t), p = c(tu$p, tm$p), var_ratio = vr,
               var_flag = c(bal_vflag(vr[1], a1$n, a0$n), bal_vflag(vr[2], b1$n, b0$n)),
               n_treated = c(a1$n, b1$n), n_control = c(a0$n, b0$n),
               stringsAsFactors = FALSE)
  })
  out <- do.call(rbind, rows)
  rownames(out) <- NULL
  sm <- rbind(bal_summary(t1, X, rep(1, length(t1)), link, out, "unmatched"),
              bal_summary(t1[on], X[on, , drop = FALSE], w[on], link, out, "matched"))
  attr(out, "summary") <- sm
  attr(out, "link") <- link
  class(out) <- c("smartdid_balance", "data.frame")
  out
}

# Mean, variance and size; with weights, Stata importance-weight moments:
# the sum of the weights is the sample size.
bal_moments <- function(x, w = NULL) {
  if (is.null(w)) w <- rep(1, length(x))
  n <- sum(w)
  mu <- sum(w * x) / n
  list(mean = mu, var = sum(w * (x - mu)^2) / (n - 1), n = n)
}

# The t test of the treatment dummy in a regression of x on it.
bal_ttest <- function(a1, a0) {
  df <- a1$n + a0$n - 2
  s2 <- ((a1$n - 1) * a1$var + (a0$n - 1) * a0$var) / df
  t <- (a1$mean - a0$mean) / sqrt(s2 * (1 / a1$n + 1 / a0$n))
  list(t = t, p = 2 * stats::pt(-abs(t), df))
}

bal_vflag <- function(vr, n1, n0) {
  if (!is.finite(vr) || n1 < 2 || n0 < 2) return(NA)
  vr < stats::qf(0.025, n1 - 1, n0 - 1) || vr > stats::qf(0.975, n1 - 1, n0 - 1)
}

# The summary row of one sample: the score model re-estimated with weights.
bal_summary <- function(t1, X, w, link, tab, sample) {
  y <- as.numeric(t1)
  bias <- abs(tab$std_bias_pct[tab$sample == sample])
  fit <- if (any(t1) && any(!t1)) tryCatch(
    stats::glm.fit(cbind(1, X), y, weights = w, family = stats::quasibinomial(link)),
    error = function(e) NULL)
  if (is.null(fit)) {
    return(data.frame(sample = sample, pseudo_r2 = NA_real_, lr_chi2 = NA_real_,
                      lr_p = NA_real_, mean_bias = mean(bias),
                      median_bias = stats::median(bias), rubin_b = NA_real_,
                      rubin_r = NA_real_, pct_var_flagged = NA_real_,
                      n_treated = sum(w[t1]), n_control = sum(w[!t1]),
                      stringsAsFactors = FALSE))
  }
  p <- fit$fitted.values
  ll <- sum(w * ifelse(y == 1, log(p), log1p(-p)))
  p0 <- sum(w * y) / sum(w)
  ll0 <- sum(w * (y * log(p0) + (1 - y) * log1p(-p0)))
  chi2 <- 2 * (ll - ll0)
  xb <- fit$linear.predictors
  i1 <- bal_moments(xb[t1], w[t1])
  i0 <- bal_moments(xb[!t1], w[!t1])
  data.frame(sample = sample, pseudo_r2 = 1 - ll / ll0, lr_chi2 = chi2,
             lr_p = stats::pchisq(chi2, fit$rank - 1L, lower.tail = FALSE),
             mean_bias = mean(bias), median_bias = stats::median(bias),
             rubin_b = 100 * abs(i1$mean - i0$mean) / sqrt((i1$var + i0$var) / 2),
             rubin_r = i1$var / i0$var,
             pct_var_flagged = 100 * mean(tab$var_flag[tab$sample == sample]),
             n_treated = i1$n, n_control = i0$n, stringsAsFactors = FALSE)
}

#' Text, Markdown or LaTeX layout of a balance table
#'
#' Lays out a [balance()] table as the study's Table 2 (Stata pstest's
#' layout): one block per covariate with its unmatched and matched rows,
#' followed by the summary rows, and notes explaining the columns, the
#' marks `*`, Rubin's B and R.
#'
#' @param b A [balance()] result.
#' @param format `"text"`, `"markdown"`, `"latex"` or `"html"` (the
#'   renderer of [did_table()]).
#' @param digits Decimals of the means.
#' @param summary Add the summary rows (pseudo R2, LR test, mean and median
#'   bias, Rubin's B and R)?
#' @param labels Labels of the covariates (see [var_labels()]).
#' @param caption Optional caption.
#' @param file `NULL`, or a file to write the lines to.
#' @return The lines, a character vector of class `smartdid_balance_lines` (printed
#'   with `cat()`), invisibly when `file` is given.
#' @examples
#' set.seed(4)
#' d <- data.frame(unit = 1:300, year = 1, x1 = rnorm(300), x2 = rexp(300))
#' d$treated <- rbinom(300, 1, plogis(d$x1 - 1))
#' b <- balance(psm(d, "treated", c("x1", "x2"), id = "unit", time = "year"))
#' format_balance(b, "markdown")
#' format_balance(b, "latex", summary = FALSE)
#' @export
format_balance <- function(b, format = c("text", "markdown", "latex", "html"), digits = 4,
                           summary = TRUE, labels = NULL, caption = NULL, file = NULL) {
  if (!inherits(b, "smartdid_balance")) sd_stop("'b' must be a result of balance()")
  format <- psm_choice(format, c("text", "markdown", "latex", "html"), "format")
  check_count(digits, "digits")
  check_flag(summary, "summary")
  check_labels(labels)
  if (!is.null(caption)) check_string(caption, "caption")
  blocks <- list(bal_block(b, digits, labels))
  sm <- attr(b, "summary")
  if (summary && !is.null(sm)) blocks[[2]] <- bal_summary_block(sm)
  notes <- bal_notes(summary && !is.null(sm))
  lines <- with_spec(render_table(blocks, notes, format, caption = caption), blocks, notes,
                     caption, format)
  class(lines) <- "smartdid_balance_lines"
  if (!is.null(file)) {
    writeLines(lines, file, useBytes = TRUE)
    return(invisible(lines))
  }
  lines
}

#' @export
print.smartdid_balance_lines <- function(x, ...) print_table(x)

#' @export
print.smartdid_balance <- function(x, digits = 4, ...) {
  cat("Covariate balance before and after matching (pstest)\n")
  print(format_balance(x, "text", digits = digits, summary = !is.null(attr(x, "summary"))))
  invisible(x)
}

# What the columns and the marks mean, under every layout of the table.
bal_notes <- function(summary) {
  c(paste0("Note: %bias is the standardised bias, 100 times the difference of the means ",
           "over the square root of the mean of the two unmatched variances; ",
           "%reduct the reduction of |%bias| by matching. t and p>|t|: regression of the ",
           "covariate on the treatment dummy (matched rows weighted by the matching ",
           "weights). V(T)/V(C): variance ratio of treated to controls; ",
           "* marks a ratio outside the 2.5%-97.5% range of the F distribution."),
    if (summary) paste0("Summary: pseudo R2 and LR test of the score model re-estimated on ",
                        "each sample; mean and median absolute bias; B is Rubin's B, the ",
                        "absolute standardised difference of the means of the linear index ",
                        "of the score (* when B >= 25); R is Rubin's R, the ratio of its ",
                        "variances, treated over controls (* outside [0.5, 2]); %Var is the ",
                        "percentage of covariates with a marked variance ratio."))
}

bal_block <- function(b, digits, labels) {
  first <- b$sample == "unmatched" | !duplicated(b$variable)
  flag <- !is.na(b$var_flag) & b$var_flag
  cells <- cbind(fmt_cell(b$treated_mean, digits), fmt_cell(b$control_mean, digits),
                 fmt_cell(b$std_bias_pct, 1L), fmt_cell(b$bias_reduction_pct, 1L),
                 fmt_cell(b$t, 2L), fmt_cell(b$p, 3L), fmt_cell(b$var_ratio, 2L))
  marks <- matrix(0L, nrow(cells), ncol(cells))
  marks[, 7L] <- as.integer(flag)
  tab_block(lead = cbind(ifelse(first, relabel(b$variable, labels), ""),
                         ifelse(b$sample == "unmatched", "Unmatched", "Matched")),
            lead_head = c("Variable", "Sample"), cells = cells, marks = marks,
            title = c("Treated", "Control", "%bias", "%reduct", "t", "p>|t|",
                      "V(T)/V(C)"), align = "r", split = FALSE)
}

bal_summary_block <- function(sm) {
  cells <- cbind(fmt_cell(sm$pseudo_r2, 3L), fmt_cell(sm$lr_chi2, 2L), fmt_cell(sm$lr_p, 3L),
                 fmt_cell(sm$mean_bias, 1L), fmt_cell(sm$median_bias, 1L),
                 fmt_cell(sm$rubin_b, 1L), fmt_cell(sm$rubin_r, 2L),
                 fmt_cell(sm$pct_var_flagged, 0L))
  marks <- matrix(0L, nrow(cells), ncol(cells))
  marks[, 6L] <- as.integer(!is.na(sm$rubin_b) & sm$rubin_b >= 25)
  marks[, 7L] <- as.integer(!is.na(sm$rubin_r) & (sm$rubin_r < 0.5 | sm$rubin_r > 2))
  tab_block(lead = ifelse(sm$sample == "unmatched", "Unmatched", "Matched"),
            lead_head = "Sample", cells = cells, marks = marks,
            title = c("Ps R2", "LR chi2", "p>chi2", "MeanBias", "MedBias", "B", "R", "%Var"),
            align = "r", split = FALSE)
}

#' Tidy and glance a balance table
#'
#' @param x A [balance()] result.
#' @param ... Not used.
#' @return `tidy()`: the table as a plain data frame (one row per covariate
#'   and sample). `glance()`: the summary rows, one per sample.
#' @examples
#' set.seed(4)
#' d <- data.frame(unit = 1:300, year = 1, x1 = rnorm(300))
#' d$treated <- rbinom(300, 1, plogis(d$x1 - 1))
#' b <- balance(psm(d, "treated", "x1", id = "unit", time = "year"))
#' tidy(b)
#' glance(b)
#' @name tidy.smartdid_balance
#' @method tidy smartdid_balance
#' @export
tidy.smartdid_balance <- function(x, ...) {
  out <- x
  attr(out, "summary") <- attr(out, "link") <- NULL
  class(out) <- "data.frame"
  out
}

#' @rdname tidy.smartdid_balance
#' @method glance smartdid_balance
#' @export
glance.smartdid_balance <- function(x, ...) {
  attr(x, "summary")
}
