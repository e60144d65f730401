# A catalogue of malformed inputs for every exported function. Each case is
# one row of a table: a call and either
#   - the error it must raise (`bad(call, "regexp")`): the call must fail with
#     an R error whose message matches the regexp and reads in WRE style (no
#     final period); every message is also pinned in a snapshot transcript;
#   - or the documented result (`ok(call, check)`): `check(result)` holds.
# To add cases for a new function, add rows to a table and run it with
# run_cases(); guard tables for functions not merged yet with skip_if_not().

bad <- function(call, error) list(call = substitute(call), error = error)
ok <- function(call, check) list(call = substitute(call), check = check)

# Runs a table of cases in `env`; returns the transcript of the error cases.
run_cases <- function(cases, env) {
  lines <- character()
  for (nm in names(cases)) {
    cs <- cases[[nm]]
    notes <- character()
    res <- tryCatch(
      withCallingHandlers(list(value = eval(cs$call, env)),
        warning = function(w) {
          notes <<- c(notes, paste("Warning:", conditionMessage(w)))
          invokeRestart("muffleWarning")
        },
        message = function(m) {
          notes <<- c(notes, paste("Message:", trimws(conditionMessage(m))))
          invokeRestart("muffleMessage")
        }),
      error = function(e) list(error = e))
    if (!is.null(cs$error)) {
      err <- res$error
      expect_true(inherits(err, "error"), label = paste0("case '", nm, "' raises an error"))
      if (!inherits(err, "error")) next
      msg <- conditionMessage(err)
      expect_match(msg, cs$error, label = paste0("case '", nm, "': ", msg))
      expect_false(grepl("\\.$", msg), label = paste0("case '", nm, "' ends without a period"))
      lines <- c(lines, paste0("## ", nm), paste0("> ", deparse(cs$call, width.cutoff = 500L)),
                 notes, paste0("Error: ", msg), "")
    } else {
      if (!is.null(res$error)) {
        fail(paste0("case '", nm, "' raised: ", conditionMessage(res$error)))
        next
      }
      cs$check(res$value, notes)
    }
  }
  lines
}

# Fixtures: a staggered panel, its fit, and a cross-section for matching.
bad_env <- function() {
  env <- new.env(parent = environment(run_cases))
  d <- sim_panel(30, 8, seed = 11)
  d$y <- d$y + 50                       # positive, for log(y)
  env$d <- d
  env$fit <- smartdid(y ~ x1 + x2, data = d, id = "unit", time = "year", treat = "D")
  env$f <- function(data, ...) {
    smartdid(y ~ x1 + x2, data = data, id = "unit", time = "year", treat = "D", ...)
  }
  env$with_col <- function(data, col, value, rows = NULL) {
    if (is.null(rows)) data[[col]] <- value else data[[col]][rows] <- value
    data
  }
  s <- cross_section(200, seed = 3)
  env$s <- s
  env$p <- function(data = s, ...) {
    psm(data, treat = "t", covariates = c("x1", "x2"), id = "id", time = "year", ...)
  }
  env$m <- env$p(replace = TRUE)
  env
}

# the treatment coefficient and the controls of a fit, for comparisons
same_fit <- function(a, b, tol = 1e-8) {
  expect_equal(names(a$coefficients), names(b$coefficients))
  expect_lt(rel_err(a$coefficients, b$coefficients), tol)
  expect_lt(rel_err(diag(a$vcov), diag(b$vcov)), tol)
  expect_identical(a$nobs, b$nobs)
}
dropped_rows <- function(fit, reason) {
  fit$dropped$rows[fit$dropped$reason == reason]
}

test_that("smartdid(): malformed input gives a clear error", {
  env <- bad_env()
  cases <- list(
    `data is a matrix` = bad(f(as.matrix(d)), "'data' must be a data frame.*not matrix"),
    `data is a list` = bad(f(as.list(d)), "'data' must be a data frame.*not list"),
    `empty data` = bad(f(d[0, ]), "'data' has no rows"),
    `one unit` = bad(f(d[d$unit == 1, ]), "singletons.*at least two units and two periods"),
    `one period` = bad(f(d[d$year == 2005, ]), "singletons.*at least two units and two periods"),
    `duplicated id-time rows` = bad(f(rbind(d, d[17, ])), "more than one row for the same 'unit' and 'year'.*row 241"),
    `transformed outcome` = bad(smartdid(log(y) ~ x1, data = d, id = "unit", time = "year", treat = "D"),
                                "column name on its left side, not the expression log\\(y\\)"),
    `character outcome` = bad(f(with_col(d, "y", as.character(d$y))), "'formula' column 'y' must be numeric, not character"),
    `factor outcome` = bad(f(with_col(d, "y", factor(d$y))), "must be numeric, not factor"),
    `outcome all NA` = bad(f(with_col(d, "y", NA)), "no rows left.*240 have missing"),
    `outcome all Inf` = bad(f(with_col(d, "y", Inf)), "no rows left.*240 have missing or non-finite"),
    `Inf treatment` = bad(f(with_col(d, "D", Inf, 5)), "only 0 and 1; found Inf in row 5"),
    `treatment coded 0/2` = bad(f(with_col(d, "D", 2 * d$D)), "only 0 and 1; found 2"),
    `character treatment` = bad(f(with_col(d, "D", as.character(d$D))), "must be 0/1.*not character"),
    `all treated` = bad(f(with_col(d, "D", 1)), "no untreated observations"),
    `none treated` = bad(f(with_col(d, "D", 0)), "no treated observations.*'treat'"),
    `treat and cohort` = bad(smartdid(y ~ x1, data = d, id = "unit", time = "year", treat = "D", cohort = "first"),
                             "give exactly one of 'treat'"),
    `character cohort` = bad(smartdid(y ~ x1, data = with_col(d, "first", as.character(d$first)), id = "unit",
                                      time = "year", cohort = "first"), "must both be numeric"),
    `cohorts after the sample` = bad(smartdid(y ~ x1, data = with_col(d, "first", 2050, !is.na(d$first)),
                                              id = "unit", time = "year", cohort = "first"),
                                     "no treated observations.*'cohort'"),
    `cohorts before the sample` = bad(smartdid(y ~ x1, data = with_col(d, "first", 1990, !is.na(d$first)),
                                               id = "unit", time = "year", cohort = "first"),
                                      "collinear with the fixed effects.*treated in all its periods"),
    `treatment as control` = bad(smartdid(y ~ D + x1, data = d, id = "unit", time = "year", treat = "D"),
                                 "must not also be a control"),
    `negative weight` = bad(f(with_col(d, "w", -1, 3), weights = "w"), "negative values; weights must be >= 0"),
    `all weights zero` = bad(f(with_col(d, "w", 0), weights = "w"), "240 have zero weight"),
    `character weights` = bad(f(with_col(d, "w", as.character(d$w)), weights = "w"), "'weights' column 'w' must be numeric"),
    `nthreads = 0` = bad(f(d, nthreads = 0), "'nthreads' must be a whole number >= 1"),
    `nthreads = NA` = bad(f(d, nthreads = NA), "'nthreads' must be a whole number >= 1"),
    `singletons = NA` = bad(f(d, singletons = NA), "'singletons' must be TRUE or FALSE"),
    `unknown vcov` = bad(f(d, vcov = "hc3"), "'vcov' must be one of"),
    `cluster entirely NA` = bad(f(with_col(d, "region", NA), cluster = "region"), "entirely NA"),
    `three clusters` = bad(f(d, cluster = c("unit", "year", "region")), "one or two columns"),
    `subset of the wrong length` = bad(f(d, subset = c(TRUE, FALSE)), "'subset' must be a logical vector"),
    `subset all FALSE` = bad(f(d, subset = rep(FALSE, 240)), "240 are outside 'subset'"),
    `misspelt argument` = bad(f(d, wieghts = "w"), "unknown argument.*'wieghts'"),
    `ssc not from ssc_rules()` = bad(f(d, ssc = list(adj = TRUE)), "'ssc' must come from ssc_rules\\(\\)"),
    `numeric fe` = bad(f(d, fe = 3), "'fe' must be a character vector"),
    `formula as a string` = bad(smartdid("y ~ x1", data = d, id = "unit", time = "year", treat = "D"),
                                "'formula' must be a two-sided formula"),
    `id not a string` = bad(smartdid(y ~ x1, data = d, id = 1, time = "year", treat = "D"),
                            "'id' must be a single column name"),
    `list column as id` = bad(f(with_col(d, "unit", as.list(d$unit))), "column 'unit' of 'data' must be an atomic vector.*not list")
  )
  lines <- run_cases(cases, env)
  expect_gte(length(cases), 35L)
  expect_snapshot(cat(lines, sep = "\n"))
})

test_that("smartdid(): NA, NaN and Inf in every role are dropped and counted", {
  env <- bad_env()
  d <- env$d
  rows <- c(4L, 100L, 203L)
  clean <- env$f(d[-rows, ])
  cleanw <- env$f(d[-rows, ], weights = "w")
  for (col in c("y", "x1", "x2", "D", "unit", "year")) {
    for (v in list(NA, NaN, Inf, -Inf)) {
      if (col == "D" && is.infinite(v)) next   # not 0/1: an error (above)
      dd <- d
      dd[[col]][rows] <- v
      fit <- env$f(dd)
      same_fit(fit, clean)
      expect_identical(dropped_rows(fit, "missing or non-finite value"), 3L)
      expect_identical(fit$obs, setdiff(seq_len(nrow(d)), rows))
    }
  }
  for (v in list(NA, NaN, Inf)) {
    fit <- env$f(env$with_col(d, "w", v, rows), weights = "w")
    same_fit(fit, cleanw)
    expect_identical(dropped_rows(fit, "missing or non-finite value"), 3L)
  }
  # zero weights: dropped and counted apart
  fit <- env$f(env$with_col(d, "w", 0, rows), weights = "w")
  same_fit(fit, cleanw)
  expect_identical(dropped_rows(fit, "zero weight"), 3L)
  # a missing cluster
  clean_r <- env$f(d[-rows, ], cluster = "region")
  fit <- env$f(env$with_col(d, "region", NA, rows), cluster = "region")
  same_fit(fit, clean_r)
  # NA in subset means outside it
  sub <- rep(TRUE, nrow(d))
  sub[rows] <- NA
  fit <- env$f(d, subset = sub)
  same_fit(fit, clean)
  expect_identical(dropped_rows(fit, "outside subset"), 3L)
})

test_that("smartdid(): documented results on odd but valid panels", {
  env <- bad_env()
  d <- env$d
  ref <- env$fit
  with_col <- env$with_col
  f <- env$f
  dt <- data.table::as.data.table(d)
  data.table::setkey(dt, year, unit)
  gapped <- d[d$year != 2004 & !(d$unit == 3 & d$year == 2006), ]
  gap_lm <- stats::lm(y ~ D + x1 + x2 + factor(unit) + factor(year), data = gapped)
  x_const <- with_col(d, "x3", 7)
  x_coll <- with_col(d, "x3", 2 * d$x1 - d$x2)
  never <- d
  never$first[is.na(never$first)] <- 2009   # last-wave adopters after the sample
  cases <- list(
    `factor time` = ok(f(with_col(d, "year", factor(d$year))), function(x, n) same_fit(x, ref)),
    `character time` = ok(f(with_col(d, "year", as.character(d$year))), function(x, n) same_fit(x, ref)),
    `Date time` = ok(f(with_col(d, "year", as.Date(paste0(d$year, "-07-01")))), function(x, n) same_fit(x, ref)),
    `POSIXct time` = ok(f(with_col(d, "year", as.POSIXct(paste0(d$year, "-01-01"), tz = "UTC"))),
                        function(x, n) same_fit(x, ref)),
    `non-integer periods` = ok(f(with_col(d, "year", d$year / 3 + 0.1)), function(x, n) same_fit(x, ref)),
    `huge period values` = ok(f(with_col(d, "year", d$year * 1e12)), function(x, n) same_fit(x, ref)),
    `character ids` = ok(f(with_col(d, "unit", paste0("u", d$unit))), function(x, n) same_fit(x, ref)),
    `factor ids` = ok(f(with_col(d, "unit", factor(d$unit, levels = 30:1))), function(x, n) same_fit(x, ref)),
    `unsorted rows` = ok(f(d[c(seq(240, 1, by = -2), seq(1, 239, by = 2)), ]), function(x, n) same_fit(x, ref)),
    `keyed data.table` = ok(f(dt), function(x, n) same_fit(x, ref)),
    `tibble` = ok(f(tibble::as_tibble(d)), function(x, n) same_fit(x, ref)),
    `logical treatment` = ok(f(with_col(d, "D", d$D == 1)), function(x, n) same_fit(x, ref)),
    `integer outcome` = ok(f(with_col(d, "y", as.integer(round(d$y)))), function(x, n) {
      expect_lt(rel_err(x$coefficients, coef(f(with_col(d, "y", round(d$y))))), 1e-12)
    }),
    `gapped panel` = ok(f(gapped), function(x, n) {
      expect_lt(rel_err(x$coefficients, coef(gap_lm)[c("D", "x1", "x2")]), 1e-8)
    }),
    `zero-variance control` = ok(smartdid(y ~ x1 + x3 + x2, data = x_const, id = "unit", time = "year",
                                          treat = "D"), function(x, n) {
      expect_identical(x$collinear, "x3")
      same_fit(x, ref)
    }),
    `perfectly collinear controls` = ok(smartdid(y ~ x1 + x2 + x3, data = x_coll, id = "unit", time = "year",
                                                 treat = "D"), function(x, n) {
      expect_identical(x$collinear, "x3")
      same_fit(x, ref)
    }),
    `outcome times 1e12` = ok(f(with_col(d, "y", d$y * 1e12)), function(x, n) {
      expect_lt(rel_err(x$coefficients, ref$coefficients * 1e12), 1e-9)
      expect_lt(rel_err(sqrt(diag(x$vcov)), sqrt(diag(ref$vcov)) * 1e12), 1e-9)
    }),
    `control times 1e-12` = ok(f(with_col(d, "x1", d$x1 * 1e-12)), function(x, n) {
      expect_lt(rel_err(x$coefficients, ref$coefficients * c(1, 1e12, 1)), 1e-9)
    }),
    `outcome times 1e-100` = ok(f(with_col(d, "y", d$y * 1e-100)), function(x, n) {
      expect_lt(rel_err(x$coefficients, ref$coefficients * 1e-100), 1e-9)
      expect_lt(rel_err(sqrt(diag(x$vcov)), sqrt(diag(ref$vcov)) * 1e-100), 1e-9)
    }),
    `two periods (a 2x2 design)` = ok(f(d[d$year %in% c(2002, 2008), ]), function(x, n) {
      h <- d[d$year %in% c(2002, 2008), ]
      l <- stats::lm(y ~ D + x1 + x2 + factor(unit) + factor(year), data = h)
      expect_lt(rel_err(x$coefficients, coef(l)[c("D", "x1", "x2")]), 1e-8)
    }),
    `no never-treated unit (cohorts)` = ok(smartdid(y ~ x1 + x2, data = never, id = "unit", time = "year",
                                                    cohort = "first"), function(x, n) {
      dd <- never
      dd$D <- as.numeric(dd$year >= dd$first)
      expect_lt(rel_err(unname(x$coefficients), unname(coef(f(dd)))), 1e-10)
    })
  )
  run_cases(cases, list2env(as.list(env), environment()))
  expect_gte(length(cases), 20L)
})

test_that("event_study() and shift_timing(): malformed input", {
  env <- bad_env()
  chr <- env$with_col(env$d, "year", as.character(env$d$year))
  env$fit_chr <- env$f(chr)
  cases <- list(
    `not a fit` = bad(event_study(d), "'fit' must be a fit returned by smartdid\\(\\)"),
    `negative leads` = bad(event_study(fit, leads = -1), "'leads' must be a whole number >= 0"),
    `infinite leads` = bad(event_study(fit, leads = Inf), "'leads' must be a whole number >= 0"),
    `fractional lags` = bad(event_study(fit, lags = 1.5), "'lags' must be a whole number >= 0"),
    `leads far beyond the panel` = bad(event_study(fit, leads = 1e6, lags = 2), "at most 8 \\(the panel has 8 periods\\)"),
    `ref outside the window` = bad(event_study(fit, leads = 2, lags = 2, ref = -5), "'ref' must be one or more whole numbers"),
    `ref NA` = bad(event_study(fit, ref = NA), "'ref' must be one or more whole numbers"),
    `ref leaves nothing` = bad(event_study(fit, leads = 1, lags = 0, ref = c(-1, 0)), "leaves no relative period"),
    `level 2` = bad(event_study(fit, level = 2), "'level' must be a number between 0 and 1"),
    `bin NA` = bad(event_study(fit, bin = NA), "'bin' must be TRUE or FALSE"),
    `unknown estimator` = bad(event_study(fit, estimator = "foo"), "'estimator' must be .*\"foo\""),
    `unknown switchers rule` = bad(event_study(fit, switchers = "keep"), "'switchers' must be one of \"drop\" or \"first\""),
    `misspelt argument` = bad(event_study(fit, leds = 2), "unknown argument.*'leds'"),
    `character periods` = bad(event_study(fit_chr, leads = 2, lags = 2), "holds strings.*alphabetical"),
    `shift 0 periods` = bad(shift_timing(fit, years = 0), "'years' must be positive whole numbers"),
    `unknown shift sample` = bad(shift_timing(fit, sample = "all"), "'sample' must be one of"),
    `shift on character periods` = bad(shift_timing(fit_chr, years = 1), "holds strings"),
    `shift beyond the panel` = bad(shift_timing(fit, years = 20), "adoption moved 20 period\\(s\\) earlier: no rows left")
  )
  lines <- run_cases(cases, env)
  expect_snapshot(cat(lines, sep = "\n"))
})

test_that("event_study(): documented results on odd but valid panels", {
  env <- bad_env()
  d <- env$d
  f <- env$f
  with_col <- env$with_col
  ref <- suppressMessages(event_study(env$fit, leads = 3, lags = 3))
  same_es <- function(x, n) {
    expect_equal(x$estimates$rel_time, ref$estimates$rel_time)
    expect_lt(rel_err(x$estimates$estimate, ref$estimates$estimate), 1e-8)
  }
  es <- function(data, ...) event_study(f(data), leads = 3, lags = 3, ...)
  dt <- data.table::as.data.table(d)
  data.table::setkey(dt, unit)
  always <- with_col(d, "D", 1, d$unit == 2)
  late <- d
  late$first[late$unit %in% c(1, 5)] <- 2030
  cases <- list(
    `Date periods` = ok(es(with_col(d, "year", as.Date(paste0(d$year, "-01-01")))), same_es),
    `factor periods` = ok(es(with_col(d, "year", factor(d$year))), same_es),
    `non-integer periods` = ok(es(with_col(d, "year", d$year + 0.25)), same_es),
    `unsorted rows` = ok(es(d[rev(seq_len(nrow(d))), ]), same_es),
    `keyed data.table` = ok(es(dt), same_es),
    `tibble` = ok(es(tibble::as_tibble(d)), same_es),
    `an always-treated unit` = ok(es(always), function(x, n) {
      expect_match(n, "1 always-treated unit\\(s\\).*dropped from the event study \\(8 rows\\)", all = FALSE)
      # the same as leaving the unit out
      y <- suppressMessages(es(always[always$unit != 2, ]))
      expect_lt(rel_err(x$estimates$estimate, y$estimates$estimate), 1e-8)
    }),
    `cohorts after the sample` = ok(event_study(smartdid(y ~ x1 + x2, data = late, id = "unit", time = "year",
                                                         cohort = "first"), leads = 3, lags = 3),
                                    function(x, n) {
      expect_match(n, "unit\\(s\\) adopting after the last period used as never treated", all = FALSE)
      expect_true(all(is.finite(x$estimates$estimate)))
    }),
    `zero weights` = ok(event_study(f(with_col(d, "w", 0, d$unit <= 3), weights = "w"), leads = 3, lags = 3),
                        function(x, n) {
      y <- event_study(f(d[d$unit > 3, ], weights = "w"), leads = 3, lags = 3)
      expect_lt(rel_err(x$estimates$estimate, y$estimates$estimate), 1e-8)
    })
  )
  run_cases(cases, list2env(as.list(env), environment()))
})

test_that("psm(), balance() and matched_data(): malformed input", {
  env <- bad_env()
  cases <- list(
    `data is a matrix` = bad(p(as.matrix(s)), "'data' must be a data frame"),
    `empty data` = bad(p(s[0, ]), "'data' has no rows"),
    `negative caliper` = bad(p(caliper = -0.1), "'caliper' must be NULL or a positive number"),
    `zero caliper` = bad(p(caliper = 0), "'caliper' must be NULL or a positive number"),
    `NA caliper` = bad(p(caliper = NA), "'caliper' must be NULL or a positive number"),
    `ratio 0` = bad(p(ratio = 0), "'ratio' must be a whole number >= 1"),
    `ratio far above the controls` = bad(p(ratio = 1e9), "'ratio' \\(1000000000\\) must be at most the number of control units"),
    `replace NA` = bad(p(replace = NA), "'replace' must be TRUE or FALSE"),
    `character covariate` = bad(p(with_col(s, "x1", as.character(s$x1))), "'covariates' column 'x1' must be numeric"),
    `character treatment` = bad(p(with_col(s, "t", as.character(s$t))), "'treat' column 't' must be 0/1"),
    `Inf treatment` = bad(p(with_col(s, "t", Inf, 2)), "only 0 and 1; found Inf in row 2"),
    `all treated` = bad(p(with_col(s, "t", 1)), "no group has both treated and control units"),
    `none treated` = bad(p(with_col(s, "t", 0)), "no group has both treated and control units"),
    `no covariates` = bad(psm(s, "t", character(), id = "id", time = "year"), "'covariates' must be a character vector"),
    `duplicated covariates` = bad(psm(s, "t", c("x1", "x1"), id = "id", time = "year"), "distinct column names"),
    `treatment among covariates` = bad(psm(s, "t", c("x1", "t"), id = "id", time = "year"), "'treat' must not also be in 'covariates'"),
    `unknown level` = bad(p(level = "city"), "'level' must be one of \"obs\" or \"unit\""),
    `unknown method` = bad(p(method = "optimal"), "'method' must be \"nearest\""),
    `baseline at obs level` = bad(p(baseline = "mean"), "'baseline' applies only with match_level = \"unit\""),
    `baseline not a period` = bad(p(level = "unit", baseline = 1990), "a period found in the 'year' column"),
    `covariates all NA` = bad(p(with_col(s, "x1", NA)), "no row of 'data' is complete"),
    `misspelt argument` = bad(p(calliper = 0.1), "unknown argument.*'calliper'"),
    `balance() of a data frame` = bad(balance(s), "'m' must be a result of psm\\(\\)"),
    `balance() with an unknown link` = bad(balance(m, link = "cloglog"), "'link' must be one of \"logit\" or \"probit\""),
    `matched_data() pairs NA` = bad(matched_data(m, pairs = NA), "'pairs' must be TRUE or FALSE"),
    `matched_data() of a fit` = bad(matched_data(fit), "'m' must be a result of psm\\(\\)"),
    `format_balance() of a data frame` = bad(format_balance(s), "'b' must be a result of balance\\(\\)"),
    `format_balance() as csv` = bad(format_balance(balance(m), format = "csv"), "'format' must be one of")
  )
  lines <- run_cases(cases, env)
  expect_snapshot(cat(lines, sep = "\n"))
})

test_that("psm(): documented results on messy data", {
  env <- bad_env()
  s <- env$s
  p <- env$p
  with_col <- env$with_col
  ref <- env$m
  rows <- c(3L, 50L, 120L)
  clean <- p(s[-rows, ], replace = TRUE)
  dt <- data.table::as.data.table(s)
  data.table::setkey(dt, x1)
  same_match <- function(x, y = ref) {
    expect_identical(x$units$matched, y$units$matched)
    expect_identical(unname(x$match_matrix), unname(y$match_matrix))
  }
  cases <- list(
    `NA covariate` = ok(p(with_col(s, "x1", NA, rows), replace = TRUE), function(x, n) {
      expect_identical(x$dropped$rows, 3L)
      expect_identical(x$units$row, setdiff(seq_len(nrow(s)), rows))
      expect_equal(x$units$score, clean$units$score, tolerance = 1e-10)
    }),
    `NaN and Inf covariates` = ok(p(with_col(with_col(s, "x2", NaN, rows[1]), "x1", -Inf, rows[2:3]), replace = TRUE),
                                  function(x, n) {
      expect_identical(x$dropped$rows, 3L)
      expect_equal(x$units$score, clean$units$score, tolerance = 1e-10)
    }),
    `NA treatment` = ok(p(with_col(s, "t", NA, rows), replace = TRUE), function(x, n) {
      expect_identical(x$dropped$rows, 3L)
      expect_equal(x$units$score, clean$units$score, tolerance = 1e-10)
    }),
    `logical treatment` = ok(p(with_col(s, "t", s$t == 1), replace = TRUE), function(x, n) same_match(x)),
    `covariate times 1e12` = ok(p(with_col(s, "x1", s$x1 * 1e12), replace = TRUE), function(x, n) {
      expect_equal(x$units$score, ref$units$score, tolerance = 1e-8)
      same_match(x)
    }),
    `covariate times 1e-12` = ok(p(with_col(s, "x2", s$x2 * 1e-12), replace = TRUE), function(x, n) {
      expect_equal(x$units$score, ref$units$score, tolerance = 1e-8)
      same_match(x)
    }),
    `zero-variance covariate` = ok(psm(with_col(s, "x3", 1), "t", c("x1", "x2", "x3"), id = "id", time = "year",
                                       replace = TRUE), function(x, n) {
      expect_true(is.na(x$models[[1]]$estimate[4]))
      same_match(x)
    }),
    `keyed data.table` = ok(p(dt, replace = TRUE), function(x, n) {
      md <- matched_data(x)
      expect_true(data.table::is.data.table(md))
      expect_identical(as.data.frame(md)$weights,
                       matched_data(p(as.data.frame(dt), replace = TRUE))$weights)
    }),
    `tibble` = ok(p(tibble::as_tibble(s), replace = TRUE), function(x, n) {
      same_match(x)
      expect_s3_class(matched_data(x), "tbl_df")
    }),
    `a caliper nobody meets` = ok(p(caliper = 1e-12), function(x, n) {
      expect_identical(sum(x$units$matched), 0L)
      expect_identical(nrow(matched_data(x)), 0L)
      expect_s3_class(balance(x), "smartdid_balance")
    }),
    `a by group without controls` = ok(p(by = "grp", data = with_col(s, "grp", ifelse(s$t == 1 & s$id <= 40,
                                                                                   "solo", "main"))),
                                       function(x, n) {
      solo <- s$t == 1 & s$id <= 40
      expect_true(all(x$units$discarded[solo]))
      expect_false(any(x$units$matched[solo]))
      expect_identical(names(x$models), "main")
    })
  )
  run_cases(cases, list2env(as.list(env), environment()))
})

test_that("robustness, mechanism, heterogeneity, tables: malformed input", {
  env <- bad_env()
  env$one_group <- env$f(env$with_col(env$d, "g", "a"))
  cases <- list(
    `winsorize() decreasing probs` = bad(winsorize(d, "y", probs = c(0.9, 0.1)), "'probs' must be two increasing"),
    `winsorize() character column` = bad(winsorize(d, "region"), "'vars' column 'region' must be numeric"),
    `winsorize() empty data` = bad(winsorize(d[0, ], "y"), "'data' has no rows"),
    `trim() without vars` = bad(trim(d), "'vars' must name one or more numeric columns"),
    `trim() quiet NA` = bad(trim(d, "y", quiet = NA), "'quiet' must be TRUE or FALSE"),
    `panel_lag() k = 0` = bad(panel_lag(d, "y", "unit", "year", k = 0), "'k' must be non-zero whole numbers"),
    `panel_lag() Date periods` = bad(panel_lag(with_col(d, "year", as.Date(paste0(d$year, "-01-01"))), "y", "unit", "year"),
                                     "'time' column 'year' must be numeric"),
    `panel_lag() duplicates` = bad(panel_lag(rbind(d, d[1, ]), "y", "unit", "year"), "more than one row"),
    `panel_lag() periods beyond 2^53` = bad(panel_lag(with_col(d, "year", d$year * 1e15), "y", "unit", "year"),
                                            "too large.*to be shifted by 1 exactly"),
    `add_controls() unknown column` = bad(add_controls(fit, "nope"), "'vars' must name a column of 'fit\\$data'"),
    `add_controls() the treatment` = bad(add_controls(fit, "D"), "must not also be a control"),
    `mechanism() character moderator` = bad(mechanism(fit, "region"), "'moderator' column 'region' must be numeric"),
    `mechanism() moderator = id` = bad(mechanism(fit, "unit"), "must differ from the treatment, 'id' and 'time'"),
    `mechanism() center NA` = bad(mechanism(fit, "w", center = NA), "'center' must be TRUE, FALSE or a number"),
    `heterogeneity() by and split` = bad(heterogeneity(fit, by = "region", split = "x1"), "give exactly one of 'by'"),
    `heterogeneity() one group` = bad(heterogeneity(one_group, by = "g"), "must have at least two groups"),
    `heterogeneity() split on text` = bad(heterogeneity(fit, split = "region"), "'split' column 'region' must be numeric"),
    `heterogeneity() at NA` = bad(heterogeneity(fit, split = "x1", at = NA), "'at' must be \"median\""),
    `heterogeneity() empty group` = bad(heterogeneity(fit, split = "x1", at = 1e10), "group 'high' has no rows"),
    `heterogeneity() unknown model` = bad(heterogeneity(fit, by = "region", model = "iv"), "'model' must be one of"),
    `heterogeneity() unknown term` = bad(heterogeneity(fit, by = "region", term = "zzz"), "'term' 'zzz' is not estimated"),
    `stata_constant() of a data frame` = bad(stata_constant(d), "'fit' must be a fit returned by smartdid\\(\\)"),
    `did_table() of nothing` = bad(did_table(), "give at least one fit"),
    `did_table() of a number` = bad(did_table(fit, 42), "got numeric"),
    `did_table() unknown format` = bad(did_table(fit, format = "pdf"), "'format' must be one of"),
    `did_table() negative digits` = bad(did_table(fit, digits = -1), "'digits' must be a whole number >= 0"),
    `did_table() stars above 1` = bad(did_table(fit, stars = 2), "'stars' must be p-value thresholds"),
    `es_table() of a fit` = bad(es_table(fit), "needs one or more event studies"),
    `es_plot_data() of nothing` = bad(es_plot_data(), "needs one or more event studies"),
    `es_fill_stats() without estimates` = bad(es_fill_stats(d), "'estimates' must be a data frame with columns estimate, std.error"),
    `es_overall() without estimates` = bad(es_overall(d, diag(2)), "'estimates' must be a data frame with columns"),
    `new_event_study() without columns` = bad(new_event_study(d, d, "x", 1), "'estimates' must be a data frame"),
    `smartdid_threads(0)` = bad(smartdid_threads(0), "'n' must be a whole number >= 1"),
    `smartdid_threads(Inf)` = bad(smartdid_threads(Inf), "'n' must be a whole number >= 1"),
    `ssc_rules() adj NA` = bad(ssc_rules(adj = NA), "'adj' must be TRUE or FALSE"),
    `ssc_rules() unknown fixef_K` = bad(ssc_rules(fixef_K = "some"), "'fixef_K' must be one of"),
    `simulate_smartcity() seed NA` = bad(simulate_smartcity(seed = NA), "'seed' must be a single finite number"),
    `simulate_smartcity() seed 1e10` = bad(simulate_smartcity(seed = 1e10), "'seed' must lie between"),
    `simulate_smartcity() negative noise` = bad(simulate_smartcity(noise = -1), "'noise' must be >= 0"),
    `simulate_smartcity() empty wave` = bad(simulate_smartcity(waves = c(`2012` = 0)), "'waves' must give whole numbers"),
    `carbon_emissions() Inf gas` = bad(carbon_emissions(Inf, 1, 1, 0.5), "'gas' must be finite; element 1 is Inf"),
    `carbon_emissions() negative lpg` = bad(carbon_emissions(1, -1, 1, 0.5), "'lpg' must be non-negative"),
    `carbon_emissions() text` = bad(carbon_emissions("1", 1, 1, 0.5), "'gas' must be numeric, not character"),
    `carbon_emissions() percentage share` = bad(carbon_emissions(1, 1, 1, 70), "a share, not a percentage"),
    `carbon_emissions() lengths 2 and 3` = bad(carbon_emissions(1:2, 1:3, 1, 0.5), "'gas' has length 2"),
    `industrial_upgrading() zero GDP` = bad(industrial_upgrading(0, 0, 0, 1, 1, 1), "sums to zero in element 1"),
    `industrial_upgrading() zero employment` = bad(industrial_upgrading(1, 1, 1, 0, 1, 1), "needs positive employment")
  )
  lines <- run_cases(cases, env)
  expect_snapshot(cat(lines, sep = "\n"))
})

test_that("robustness helpers: documented results on messy data", {
  env <- bad_env()
  d <- env$d
  with_col <- env$with_col
  steps <- data.frame(id = rep(1:3, each = 5), t = rep(c(0.1, 1.1, 2.1, 3.1, 4.1), 3), v = 1:15)
  shuffled <- d[rev(seq_len(nrow(d)))[-c(5, 9)], ]
  hand_lag <- vapply(seq_len(nrow(shuffled)), function(i) {
    j <- which(shuffled$unit == shuffled$unit[i] & shuffled$year == shuffled$year[i] - 1)
    if (length(j)) shuffled$y[j] else NA_real_
  }, 1)
  cases <- list(
    `winsorize() NA by group left alone` = ok(winsorize(with_col(d, "region", NA, 1:5), "y", by = "region",
                                                        quiet = TRUE), function(x, n) {
      expect_identical(x$y[1:5], d$y[1:5])
      expect_identical(nrow(x), nrow(d))
    }),
    `winsorize() keyed data.table` = ok({
      dt <- data.table::as.data.table(d); data.table::setkey(dt, unit, year)
      winsorize(dt, "y", quiet = TRUE)
    }, function(x, n) {
      expect_true(data.table::is.data.table(x))
      expect_identical(data.table::key(x), c("unit", "year"))
      expect_identical(x$y, winsorize(d, "y", quiet = TRUE)$y)
    }),
    `trim() keeps rows with NA` = ok(trim(with_col(d, "y", NA, 1:4), "y", quiet = TRUE), function(x, n) {
      expect_true(all(1:4 %in% as.integer(rownames(x))))
    }),
    `panel_lag() Inf period gets NA` = ok(panel_lag(with_col(d, "year", Inf, 1), "y", "unit", "year"),
                                         function(x, n) {
      expect_true(is.na(x$L.y[1]))
      expect_identical(x$L.y[3], d$y[2])
    }),
    `panel_lag() steps of 0.1 not exact in binary` = ok(panel_lag(steps, "v", "id", "t"), function(x, n) {
      expect_identical(x$L.v, c(NA, 1:4, NA, 6:9, NA, 11:14))
    }),
    `panel_lag() overwriting warns` = ok(panel_lag(d, "y", "unit", "year", name = "x2"), function(x, n) {
      expect_match(n, "column\\(s\\) 'x2' of 'data' overwritten", all = FALSE)
    }),
    `panel_lag() gapped and unsorted` = ok(panel_lag(shuffled, "y", "unit", "year"), function(x, n) {
      expect_identical(x$L.y, hand_lag)
      expect_identical(sum(is.na(x$L.y)), 31L)   # 30 first periods, 1 after a hole
    }),
    `carbon_emissions() NA propagates` = ok(carbon_emissions(c(1, NA), 1, 1, 0.5), function(x, n) {
      expect_true(is.na(x[2]))
      expect_equal(x[1], 2.1622 + 3.1013 + 1.3023 * 0.5)
    }),
    `industrial_upgrading() huge and tiny magnitudes` = ok(
      industrial_upgrading(c(1e150, 1e-150), c(1e150, 1e-150), c(2e150, 2e-150), 1, 1, 1),
      function(x, n) expect_equal(x, c(1.5e150, 1.5e-150), tolerance = 1e-12))
  )
  run_cases(cases, list2env(as.list(env), environment()))
})

test_that("placebo(): malformed input (while placebo() is being merged)", {
  # temporary guard: placebo() arrives with src/placebo.c in a parallel branch
  env <- bad_env()
  cases <- list(
    `placebo() of a data frame` = bad(placebo(d, draws = 10), "'fit'"),
    `placebo() draws = 0` = bad(placebo(fit, draws = 0), "'draws'"),
    `placebo() negative draws` = bad(placebo(fit, draws = -5), "'draws'"),
    `placebo() draws NA` = bad(placebo(fit, draws = NA), "'draws'"),
    `placebo() fractional draws` = bad(placebo(fit, draws = 2.5), "'draws'"),
    `placebo() seed NA` = bad(placebo(fit, draws = 10, seed = NA), "'seed'")
  )
  run_cases(cases, list2env(as.list(env), environment()))
})
