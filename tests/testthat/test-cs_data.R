rcs_data <- function(n = 1500, seed = 5) {
  set.seed(seed)
  d <- data.frame(year = sample(2001:2008, n, TRUE),
                  first = sample(c(2004, 2005, 2007, NA), n, TRUE, c(0.2, 0.2, 0.2, 0.4)))
  d$x1 <- rnorm(n)
  d$x2 <- runif(n) + 0.05 * (d$year - 2000)
  d$w <- runif(n, 0.5, 2)
  d$state <- sample(1:30, n, TRUE)
  d$y <- 0.5 * d$x1 + d$x2 + 0.1 * (d$year - 2000) +
    ifelse(!is.na(d$first) & d$year >= d$first, 1 + 0.2 * (d$year - d$first), 0) +
    rnorm(n)
  d$g <- ifelse(is.na(d$first), 0, d$first)
  d$rid <- seq_len(n)
  d
}

test_that("repeated cross-sections: cells are 2x2 regressions on rows, HC0 standard errors", {
  d <- rcs_data()
  at <- att_gt(cs_data(d, "y", "year", "first"), bootstrap = FALSE)
  expect_identical(at$data_type, "rcs")
  expect_identical(at$n_units, nrow(d))
  e <- at$estimates
  for (k in c(1, 6, 12, 20)) {
    s <- d[d$year %in% c(e$time[k], e$base[k]) & (d$g == e$group[k] | d$g == 0), ]
    D <- as.numeric(s$g == e$group[k]); P <- as.numeric(s$year == e$time[k])
    Z <- cbind(1, D, P, D * P)
    m <- lm.fit(Z, s$y)
    B <- solve(crossprod(Z))
    v <- (B %*% crossprod(Z * m$residuals) %*% B)[4, 4]
    expect_lt(abs(e$estimate[k] - m$coefficients[[4]]), 1e-10)
    expect_lt(rel_err(e$std.error[k], sqrt(v)), 1e-10)
  }
  # an id that does not repeat is the same as no id
  a2 <- att_gt(cs_data(d, "y", "year", "first", id = "rid"), bootstrap = FALSE)
  expect_identical(a2$estimates, at$estimates)
})

test_that("repeated cross-sections equal did::att_gt(panel = FALSE), weights and covariates", {
  skip_if_not_installed("did")
  d <- rcs_data()
  for (cv in c("none", "or", "dr")) for (ctl in c("never", "notyet")) {
    bp <- if (ctl == "never") "varying" else "universal"
    cg <- if (ctl == "never") "nevertreated" else "notyettreated"
    ref <- did::att_gt("y", "year", NULL, "g", data = d, panel = FALSE,
                       xformla = if (cv == "none") ~1 else ~ x1 + x2,
                       est_method = if (cv == "or") "reg" else "dr",
                       weightsname = "w", control_group = cg, base_period = bp,
                       bstrap = FALSE, cband = FALSE)
    at <- att_gt(cs_data(d, "y", "year", "first", controls = c("x1", "x2"),
                         weights = "w"),
                 adjust = cv, comparison = ctl, base_period = bp, bootstrap = FALSE)
    tol <- if (cv == "dr") 1e-7 else 1e-8      # did's logit: looser tolerance
    match_did(at, ref, tol, if (cv != "dr" || drdid_rc_current()) tol else Inf)
  }
  ref <- did::att_gt("y", "year", NULL, "g", data = d, panel = FALSE,
                     anticipation = 1, bstrap = FALSE, cband = FALSE)
  at <- suppressWarnings(att_gt(cs_data(d, "y", "year", "first"), anticipation = 1,
                                bootstrap = FALSE))
  match_did(at, ref, 1e-10, 1e-10)
  ag <- did::aggte(ref, "dynamic", bstrap = FALSE, cband = FALSE)
  ours <- att_aggregate(at, "dynamic")
  expect_lt(max(abs(ours$estimates$estimate - ag$att.egt)), 1e-10)
  expect_lt(rel_err(ours$estimates$std.error, ag$se.egt), 1e-8)
})

test_that("repeated cross-sections: clusters sum the influence functions", {
  d <- rcs_data()
  at <- att_gt(cs_data(d, "y", "year", "first", weights = "w"), bootstrap = FALSE)
  ac <- att_gt(cs_data(d, "y", "year", "first", weights = "w", cluster = "state"),
               bootstrap = FALSE)
  expect_identical(ac$estimates$estimate, at$estimates$estimate)
  S <- rowsum(at$psi, d$state)
  expect_lt(rel_err(ac$estimates$std.error, sqrt(colSums(S^2)) / nrow(d)), 1e-12)
})

test_that("cs_data() checks its input and counts dropped rows", {
  d <- rcs_data(200)
  d$y[3] <- NA
  x <- cs_data(d, "y", "year", "first")
  expect_identical(x$dropped[["missing"]], 1L)
  expect_error(cs_data(d, "nope", "year", "first"), "not found")
  d$first[d$rid == 1] <- 2004
  dd <- rbind(d[1, ], d[1, ])
  dd$year <- c(2004, 2006); dd$first <- c(2005, 2006)
  expect_error(cs_data(dd, "y", "year", "first", id = "rid"), "constant within each unit")
})

test_that("cs_data() finds a unit with two rows in a period, rows grouped or not", {
  d <- data.frame(id = rep(1:4, each = 3), year = rep(2001:2003, 4),
                  first = rep(c(2002, NA, 2003, NA), each = 3), y = 1:12)
  x <- cs_data(d, "y", "year", "first", id = "id")
  expect_identical(x$ti, rep(1:3, 4))
  expect_identical(x$clock$periods, c(2001, 2002, 2003))
  expect_identical(x$cohort, rep(c(2002, Inf, 2003, Inf), each = 3))
  dup <- d
  dup$year[5] <- 2001                                  # unit 2: 2001 twice
  expect_error(cs_data(dup, "y", "year", "first", id = "id"), "do not identify rows")
  expect_error(cs_data(dup[c(1, 4, 7, 10, 2, 5, 8, 11, 3, 6, 9, 12), ], "y", "year",
                       "first", id = "id"), "do not identify rows")
  # the same rows in a different order are fine
  x2 <- cs_data(d[12:1, ], "y", "year", "first", id = "id")
  expect_identical(x2$clock$periods, c(2001, 2002, 2003))
  expect_identical(x2$ti, rep(3:1, 4))
  # more periods than the one-pass coding takes: the R checks
  many <- data.frame(id = rep(1:2, each = 5000), year = rep(1:5000, 2),
                     first = rep(c(100, NA), each = 5000), y = 0)
  xm <- cs_data(many, "y", "year", "first", id = "id")
  expect_identical(length(xm$clock$periods), 5000L)
  many$year[2] <- 1
  expect_error(cs_data(many, "y", "year", "first", id = "id"), "do not identify rows")
})
