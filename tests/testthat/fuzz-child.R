# The fuzz batch run by test-fuzz.R in a child R process (so that a crash of
# the C code kills the child, not the test run). To replay a failing case by
# hand: load smartdid, source this file, then
#   d <- fuzz_data(seed); fuzz_calls(d, seed)
# Each case writes "start <i> <what>" before a call and "done <i> <what>
# <status>" after it to the log, flushed at once, so that the parent can tell
# which call was running when the child died.

fuzz_pick <- function(x, p = NULL) {
  i <- sample.int(length(x), 1L, prob = p)
  if (is.list(x)) x[[i]] else x[i]
}

# A random panel-like data frame: 0 to 500 rows, random column types,
# missing and non-finite values, duplicated rows, odd magnitudes.
fuzz_data <- function(seed) {
  set.seed(seed)
  n_units <- fuzz_pick(c(0L, 1L, 2L, 3L, 5L, 10L, 25L, 50L))
  n_periods <- fuzz_pick(c(1L, 2L, 3L, 5L, 8L, 10L))
  d <- expand.grid(year = seq_len(n_periods) + 2000L, unit = seq_len(n_units))
  if (nrow(d) > 500L) d <- d[seq_len(500L), ]
  n <- nrow(d)
  keep <- if (n && runif(1) < 0.3) sort(sample.int(n, max(0L, n - sample.int(n, 1L)))) else seq_len(n)
  d <- d[keep, , drop = FALSE]
  if (nrow(d) && runif(1) < 0.1) d <- rbind(d, d[sample.int(nrow(d), 1L), ])   # duplicate id-time
  if (nrow(d) && runif(1) < 0.3) d <- d[sample.int(nrow(d)), ]                 # unsorted
  n <- nrow(d)
  na_some <- function(x, p = 0.05) {
    if (!length(x) || runif(1) > 0.4) return(x)
    x[runif(length(x)) < p] <- NA
    x
  }
  odd_num <- function(x) {
    if (!length(x)) return(x)
    r <- runif(1)
    if (r < 0.05) x[sample.int(length(x), 1L)] <- Inf
    else if (r < 0.1) x[sample.int(length(x), 1L)] <- NaN
    else if (r < 0.15) x <- x * 1e150
    else if (r < 0.2) x <- x * 1e-150
    else if (r < 0.25) x[] <- 1
    x
  }
  first <- ifelse(runif(max(n_units, 1L)) < 0.5,
                  2000L + sample.int(n_periods + 2L, max(n_units, 1L), replace = TRUE) - 1L, NA)
  first <- first[d$unit]
  D <- as.numeric(!is.na(first) & d$year >= first)
  y <- odd_num(na_some(D * 0.5 + rnorm(n)))
  switch(fuzz_pick(c("ok", "ok", "ok", "all0", "all1", "two", "logical", "chr")),
         all0 = D[] <- 0, all1 = D[] <- 1,
         two = if (n) D[sample.int(n, 1L)] <- 2,
         logical = D <- D == 1, chr = D <- as.character(D), ok = NULL)
  x1 <- odd_num(na_some(rnorm(n)))
  x2 <- switch(fuzz_pick(c("num", "num", "int", "coll", "chr", "fac")),
               num = odd_num(rnorm(n)), int = sample.int(3L, n, replace = TRUE),
               coll = 2 * x1, chr = sample(c("a", "b"), n, replace = TRUE),
               fac = factor(sample(c("a", "b", "c"), n, replace = TRUE)))
  if (runif(1) < 0.05) y <- as.character(y)
  w <- switch(fuzz_pick(c("pos", "pos", "zero", "na", "neg")),
              pos = runif(n, 0.5, 2), zero = ifelse(runif(n) < 0.3, 0, 1),
              na = na_some(runif(n), 0.2), neg = runif(n) - 0.2)
  unit <- d$unit
  unit <- switch(fuzz_pick(c("int", "int", "dbl", "chr", "fac", "na")),
                 int = unit, dbl = unit + 0.5, chr = sprintf("u%d", unit),
                 fac = factor(unit), na = na_some(unit, 0.1))
  year <- d$year
  year <- switch(fuzz_pick(c("int", "int", "dbl", "chr", "date", "fac", "na", "inf")),
                 int = year, dbl = year / 4, chr = as.character(year),
                 date = as.Date(sprintf("%d-01-01", year)), fac = factor(year),
                 na = na_some(year, 0.1),
                 inf = if (n) replace(as.double(year), sample.int(n, 1L), Inf) else year)
  data.frame(unit = unit, year = year, first = first, D = D, x1 = x1, x2 = x2,
             y = y, w = w, region = sample(c("a", "b", NA), n, replace = TRUE,
                                           prob = c(0.48, 0.48, 0.04)),
             stringsAsFactors = FALSE)
}

fuzz_valid_fit <- function(f) {
  inherits(f, "smartdid") && is.numeric(f$coefficients) && length(f$coefficients) >= 1L &&
    !is.null(names(f$coefficients)) && is.matrix(f$vcov) &&
    all(dim(f$vcov) == length(f$coefficients)) && length(f$residuals) == f$nobs &&
    length(f$obs) == f$nobs && all(f$obs >= 1L & f$obs <= f$n_input)
}
fuzz_valid_es <- function(e) {
  inherits(e, "smartdid_es") && is.data.frame(e$estimates) &&
    is.numeric(e$estimates$rel_time) && nrow(e$estimates) >= 1L
}
fuzz_valid_psm <- function(m) {
  inherits(m, "smartdid_psm") && is.data.frame(m$units) && is.matrix(m$match_matrix) &&
    nrow(m$match_matrix) == sum(m$units$treat == 1L) &&
    all(is.na(m$match_matrix) | m$match_matrix %in% which(m$units$treat == 0L))
}

# The calls of one case: smartdid(), event_study() on its fit, psm(), and
# placebo() when the package has it. Returns one status per call: "ok",
# "error" (an R error condition), or "invalid" (a result that is not a valid
# object: a bug).
fuzz_calls <- function(d, seed, log = NULL, i = 0L) {
  set.seed(seed + 1e6)
  out <- character()
  run <- function(what, expr, valid) {
    if (!is.null(log)) { cat("start", i, what, "\n", file = log); flush(log) }
    r <- tryCatch(suppressWarnings(suppressMessages(expr)), error = function(e) e)
    st <- if (inherits(r, "error")) "error" else if (isTRUE(valid(r))) "ok" else "invalid"
    if (!is.null(log)) { cat("done", i, what, st, "\n", file = log); flush(log) }
    out[[what]] <<- st
    r
  }
  form <- fuzz_pick(c("y ~ x1", "y ~ x1 + x2", "y ~ 1", "y ~ x2"))
  args <- list(formula = stats::as.formula(form), data = d, id = "unit", time = "year",
               vcov = fuzz_pick(c("cluster", "cluster", "hc1", "iid")),
               nthreads = fuzz_pick(1:2))
  if (runif(1) < 0.7) args$treat <- "D" else args$cohort <- "first"
  if (runif(1) < 0.3) args$weights <- "w"
  if (runif(1) < 0.15) args$fe <- "region"
  if (runif(1) < 0.15 && args$vcov == "cluster") args$cluster <- c("unit", "region")
  fit <- run("smartdid", do.call(smartdid::smartdid, args), fuzz_valid_fit)
  if (inherits(fit, "smartdid")) {
    run("event_study", smartdid::event_study(fit, leads = sample(0:4, 1L), lags = sample(1:4, 1L),
                                             bin = runif(1) < 0.7),
        fuzz_valid_es)
    run("placebo", smartdid::placebo(fit, draws = sample(c(0L, 1L, 5L, 20L), 1L),
                                     seed = seed),
        function(p) inherits(p, "smartdid_placebo"))
  }
  cov <- fuzz_pick(list("x1", c("x1", "x2"), c("x1", "w")))
  run("psm", smartdid::psm(d, treat = "D", covariates = cov, id = "unit", time = "year",
                           ratio = sample(1:3, 1L),
                           caliper = fuzz_pick(list(NULL, 0.1, 1)),
                           replace = runif(1) < 0.5,
                           level = fuzz_pick(c("obs", "unit")),
                           discard = fuzz_pick(c("none", "both"))),
      fuzz_valid_psm)
  out
}

# Runs cases seed0 + 1 .. seed0 + n, logging to `log_file`.
fuzz_run <- function(n, seed0, log_file) {
  log <- file(log_file, open = "w")
  on.exit(close(log))
  for (i in seq_len(n)) {
    seed <- seed0 + i
    cat("case", i, seed, "\n", file = log)
    flush(log)
    d <- fuzz_data(seed)
    fuzz_calls(d, seed, log, i)
  }
  cat("finished", n, "\n", file = log)
  flush(log)
}
