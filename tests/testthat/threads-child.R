# Run by test-threads.R in a child R started with OMP_THREAD_LIMIT=1 or
# OMP_DYNAMIC=TRUE (environment variables OpenMP reads once, at start-up):
# OpenMP may then give a parallel region fewer threads than it asks for, and
# every result must still be identical to the one-thread result. Prints
# "SAME <what> TRUE/FALSE" per computation.
team_checks <- function() {
  set.seed(1)
  ns <- asNamespace("smartdid")
  options(smartdid.placebo_min_work = 0, smartdid.progress_work = Inf)
  N <- 200; TT <- 10
  d <- expand.grid(year = 2001:(2000 + TT), unit = 1:N)
  d$first <- ifelse(d$unit <= 80, 2003 + d$unit %% 5, NA)
  d$D <- as.numeric(!is.na(d$first) & d$year >= d$first)
  d$x1 <- rnorm(nrow(d)); d$w <- runif(nrow(d), 0.5, 2)
  d$state <- (d$unit - 1) %/% 7; d$region <- d$unit %% 4
  d$y <- 0.5 * d$D + 0.3 * d$x1 + d$unit / 10 + rnorm(nrow(d))
  du <- d[-seq(3, nrow(d), by = 11), ]
  fit <- function(data = d, ...) smartdid::smartdid(y ~ x1, data = data, id = "unit",
    time = "year", treat = "D", ...)
  pl <- function(f, nt, units = TRUE) {
    old <- options(smartdid.placebo_units = units); on.exit(options(old))
    smartdid::placebo(f, draws = 64, seed = 3, nthreads = nt, progress = FALSE)$draws
  }
  cases <- list(
    units_cluster = list(fit(), TRUE), units_coarse = list(fit(cluster = "state"), TRUE),
    rows_cluster = list(fit(), FALSE), rows_iid = list(fit(vcov = "iid"), FALSE),
    hc1 = list(fit(vcov = "hc1"), TRUE), weights = list(fit(weights = "w"), TRUE),
    unbalanced = list(fit(du), TRUE), twoway_cl = list(fit(cluster = c("unit", "year")), TRUE),
    fe3 = list(fit(fe = "region^year"), TRUE))
  for (nm in names(cases)) {
    f <- cases[[nm]][[1]]; u <- cases[[nm]][[2]]
    a <- pl(f, 1L, u); b <- pl(f, 2L, u)
    cat("SAME", nm, identical(a, b) && !anyNA(a$std.error) && all(a$std.error > 0), "\n")
  }
  # demeaning: alternating projections (3 FE), the two-way solve and the grid
  n <- 60000
  fe3 <- lapply(c(300L, 200L, 50L), function(k) sample.int(k, n, TRUE))
  X <- replicate(4, rnorm(n), simplify = FALSE)
  dm <- function(fe, nl, nt) .Call(ns$C_sd_demean, X, fe, nl, NULL, 1e-10, 10000L, nt)
  cat("SAME demean_ap", identical(dm(fe3, c(300L, 200L, 50L), 1L), dm(fe3, c(300L, 200L, 50L), 2L)), "\n")
  cat("SAME demean_2way", identical(dm(fe3[1:2], c(300L, 200L), 1L), dm(fe3[1:2], c(300L, 200L), 2L)), "\n")
  g <- list(rep(1:600, each = 100), rep(1:100, 600))
  cat("SAME demean_grid", identical(dm(g, c(600L, 100L), 1L), dm(g, c(600L, 100L), 2L)), "\n")
  # the variance (cross products in chunks, clustered meat) of a large fit
  big <- data.frame(unit = rep(1:3000, each = 40), year = rep(1:40, 3000))
  big$D <- as.numeric(big$unit <= 1000 & big$year >= 20)
  big$x1 <- rnorm(nrow(big)); big$x2 <- rnorm(nrow(big)); big$y <- big$D + big$x1 + rnorm(nrow(big))
  vf <- function(nt) { f <- smartdid::smartdid(y ~ x1 + x2, data = big, id = "unit",
    time = "year", treat = "D", nthreads = nt); list(coef(f), vcov(f)) }
  cat("SAME variance", identical(vf(1L), vf(2L)), "\n")
  # multiplier bootstrap: R's generator only
  psi <- matrix(rnorm(3000), 1000, 3)
  bt <- function() { set.seed(9); .Call(ns$C_sd_mboot, psi, 200L, 1L) }
  cat("SAME bootstrap", identical(bt(), bt()), "\n")
}
