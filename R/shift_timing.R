#' Counterfactual adoption timing (a placebo test)
#'
#' Pretends every treated unit adopted `years` periods earlier than it did,
#' keeps periods before the actual policy, and re-estimates the fit's model
#' (same controls, fixed effects, weights and variance rules) once per
#' shift. If the estimated effect came from the policy rather than from
#' pre-existing differences in trends, the pseudo-treatment coefficients
#' should be close to zero and insignificant (the study's Table 5, columns
#' 4-6).
#'
#' Shifts count periods of the panel's calendar (steps of the data's
#' spacing: a shift of 1 is two years on a panel observed every second
#' year; see [event_study()] for the one clock of the package), and
#' the adoption periods are found as in [event_study()]: always-treated
#' units and, by default, units whose treatment switches off are dropped
#' with a message. The sample kept for a shift of `s` periods, with `g1` the
#' earliest actual adoption period:
#' * `"study"` (the default): every unit's periods up to `g1 + 1 - s`, that
#'   is up to `g1` for a one-period shift, one period less for each further
#'   period of shift. This is the rule that reproduces the study's sample
#'   sizes: on its 221 cities, 2003-2020, with adoption in 2012-2014, it keeps
#'   2003-2012, 2003-2011 and 2003-2010 (2,210, 1,989 and 1,768 city-years
#'   for shifts of 1, 2 and 3 years; the first batch of pilots was announced
#'   only in early 2013, so 2012 is a pre-policy year in the article's
#'   reading). With a one-period shift the earliest cohort's own adoption
#'   period is inside this window, where the data code it as treated.
#' * `"pre"`: every unit's periods strictly before `g1` (no actually treated
#'   observation; the same sample for every shift).
#' * `"unit"`: each treated unit's periods before its own adoption, and
#'   every period of the never-treated units.
#'
#' In each sample the pseudo-treatment is 1 from `s` periods before a unit's
#' actual adoption on.
#'
#' @param fit A [smartdid()] fit.
#' @param years Positive whole numbers: the shifts, in periods.
#' @param sample `"study"`, `"pre"` or `"unit"`: which periods to keep (see
#'   Details).
#' @param switchers `"drop"` or `"first"`, as in [event_study()].
#' @return A list of `smartdid` fits, one per shift, named `"1 earlier"`,
#'   ..., of class `c("smartdid_shift", "smartdid_list")`, with attributes
#'   `years`, `sample` and `window` (the first and last period kept by each
#'   shift). `print()` shows them side by side as the study's Table 5;
#'   `generics::tidy()` gives one row per shift with the pseudo-treatment's
#'   estimate, std.error, statistic, p.value, conf.low, conf.high, nobs and
#'   adj.r.squared.
#' @examples
#' set.seed(3)
#' d <- expand.grid(year = 2003:2020, unit = 1:60)
#' d$first <- ifelse(d$unit <= 24, 2012 + d$unit %% 3, NA)
#' d$D <- as.numeric(!is.na(d$first) & d$year >= d$first)
#' d$x <- rnorm(nrow(d))
#' d$y <- -0.2 * d$D + 0.3 * d$x + d$unit / 20 + rnorm(nrow(d), sd = 0.3)
#' fit <- smartdid(y ~ x, data = d, id = "unit", time = "year", treat = "D")
#' st <- shift_timing(fit, years = 1:3)
#' st
#' tidy(st)
#' @export
shift_timing <- function(fit, years = 1:3, sample = c("study", "pre", "unit"),
                         switchers = c("drop", "first")) {
  check_fit(fit)
  if (!is.numeric(years) || length(years) == 0L || anyNA(years) ||
      any(years < 1) || any(years != round(years))) {
    sd_stop("'years' must be positive whole numbers (periods to move adoption ",
            "earlier), such as 1:3")
  }
  years <- as.integer(years)
  sample <- sd_match_arg(sample, c("study", "pre", "unit"), "sample")
  switchers <- sd_match_arg(switchers, c("drop", "first"), "switchers")
  a <- fit$args
  data <- fit$data
  tm <- es_timing(fit, switchers)
  es_timing_message(tm, "the counterfactual-timing test")
  if (all(is.na(tm$adopt))) {
    sd_stop("no unit with an observed adoption period: the counterfactual ",
            "timing test needs treated units with untreated periods first")
  }
  u <- tm$unit
  ad <- tm$adopt[pmax(u, 1L)]
  ad[is.na(u)] <- NA_integer_
  pidx <- tm$pidx
  keep <- subset_mask(data, a$subset) & !tm$drop_row
  g1 <- min(tm$adopt, na.rm = TRUE)
  fits <- vector("list", length(years))
  window <- matrix(NA, length(years), 2L, dimnames = list(NULL, c("first", "last")))
  window <- as.data.frame(window)
  for (i in seq_along(years)) {
    s <- years[i]
    inwin <- switch(sample,
                    study = pidx <= g1 + 1L - s,
                    pre = pidx < g1,
                    unit = is.na(ad) | pidx < ad)
    inwin <- !is.na(pidx) & !is.na(inwin) & inwin
    d2 <- shift_data(data, a, ad - s, pidx, tm$clock)
    fits[[i]] <- tryCatch(
      update(fit, data = d2, subset = keep & inwin),
      error = function(e) {
        sd_stop("adoption moved ", s, " period(s) earlier: ", conditionMessage(e))
      })
    used <- pidx[fits[[i]]$obs]
    window[i, ] <- list(clock_value(tm$clock, min(used)),
                        clock_value(tm$clock, max(used)))
  }
  names(fits) <- paste(years, "earlier")
  structure(fits, class = c("smartdid_shift", "smartdid_list"), years = years,
            sample = sample, window = window)
}

# A copy of the data whose treatment column (or cohort column) holds the
# pseudo-treatment: 1 from calendar period `pseudo` on (NA: never treated).
shift_data <- function(data, a, pseudo, pidx, clock) {
  if (!is.null(a$treat)) {
    D <- data[[a$treat]]
    known <- !is.na(pidx) & !is.na(D)
    D[known] <- as.numeric(!is.na(pseudo[known]) & pidx[known] >= pseudo[known])
    data[[a$treat]] <- D
  } else {
    g <- data[[a$cohort]]
    tr <- !is.na(pseudo)
    g[tr] <- clock_value(clock, pmax(pseudo[tr], 1L))
    data[[a$cohort]] <- g
  }
  data
}

#' @export
print.smartdid_shift <- function(x, digits = 4, ...) {
  yrs <- attr(x, "years")
  win <- attr(x, "window")
  cat("Counterfactual adoption timing: adoption moved earlier (placebo test)\n")
  rule <- switch(attr(x, "sample"),
                 study = "periods up to the earliest adoption + 1 - shift (the study's rule)",
                 pre = "periods before the earliest adoption",
                 unit = "periods before each treated unit's own adoption")
  cat("Sample: ", rule, "\n\n", sep = "")
  tab <- tidy.smartdid_shift(x)
  cell <- function(v, d) formatC(v, format = "f", digits = d)
  rows <- rbind(
    paste0(cell(tab$estimate, digits), signif_stars(tab$p.value)),
    paste0("(", cell(tab$statistic, 2), ")"),
    format(tab$nobs, big.mark = ","),
    cell(tab$adj.r.squared, 4),
    paste0(win$first, "-", win$last))
  lab <- c(x[[1]]$treat_name, "", "Obs", "Adj. R2", "Periods")
  heads <- paste(yrs, if (length(yrs)) "earlier")
  all <- rbind(heads, rows)
  w1 <- max(nchar(lab))
  wc <- apply(all, 2, function(v) max(nchar(v)))
  line <- function(l, v) paste0(l, strrep(" ", w1 - nchar(l)), "  ",
                                paste0(strrep(" ", wc - nchar(v)), v, collapse = "  "))
  cat(line("", heads), "\n", sep = "")
  for (i in seq_along(lab)) cat(line(lab[i], rows[i, ]), "\n", sep = "")
  cat("---\nt values in parentheses; * p < 0.10, ** p < 0.05, *** p < 0.01; ",
      "std. errors ", switch(x[[1]]$vcov_info$type,
        cluster = paste0("clustered by ", paste(x[[1]]$vcov_info$cluster,
                                                collapse = " and ")),
        hc1 = "HC1", iid = "iid"), "\n", sep = "")
  invisible(x)
}

#' @rdname shift_timing
#' @param x A `shift_timing()` result.
#' @param ... Not used.
#' @method tidy smartdid_shift
#' @export
tidy.smartdid_shift <- function(x, ...) {
  rows <- lapply(x, function(f) {
    ct <- coef_table(f)
    ct <- ct[ct$term == f$treat_name, , drop = FALSE]
    ct$nobs <- f$nobs
    ct$adj.r.squared <- f$adj.r.squared
    ct
  })
  out <- do.call(rbind, rows)
  out <- cbind(shift = attr(x, "years"), out)
  rownames(out) <- NULL
  out
}
