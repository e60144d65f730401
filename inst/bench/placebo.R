# Benchmark of placebo(): 500 "mixed" draws at the study's size (221 units x
# 18 years, 7 controls, 86 treated in 2012-2014, simulated) against the same
# 500 draws as a loop of fixest::feols() and against one smartdid() fit; then
# 500 draws on 1M rows against one smartdid() fit.
#
# Run from the package root with an installed (optimised) build, e.g.
#   R CMD INSTALL --library=/work/lib-placebo .
#   R_LIBS=/work/lib-placebo Rscript inst/bench/placebo.R
# Set BENCH_BIG=0 to skip the 1M-row part.
suppressPackageStartupMessages(library(smartdid))
has_fixest <- requireNamespace("fixest", quietly = TRUE)

sim <- function(N, T = 18, seed = 1) {
  set.seed(seed)
  d <- expand.grid(year = 2003:(2002 + T), city = seq_len(N))
  n_tr <- round(N * 86 / 221)
  first <- rep(NA_integer_, N)
  first[sample(N, n_tr)] <- sample(2012:2014, n_tr, replace = TRUE)
  d$first <- first[d$city]
  d$Smart_Policy <- as.numeric(!is.na(d$first) & d$year >= d$first)
  ctrl <- c("Wage", "Pinf", "Fiscal", "Infra", "Fdi", "Sic", "Green")
  for (v in ctrl) d[[v]] <- rnorm(nrow(d)) + 0.01 * (d$year - 2003)
  d$Carbon <- -0.23 * d$Smart_Policy + 0.1 * d$Wage - 0.05 * d$Green +
    d$city / 100 + 0.02 * (d$year - 2003) + rnorm(nrow(d), sd = 0.5)
  d
}
f <- Carbon ~ Wage + Pinf + Fiscal + Infra + Fdi + Sic + Green

# median elapsed seconds over `reps` runs; the median CPU seconds (user +
# system) of the same runs in attribute "cpu" (the machine may be shared)
timeit <- function(expr, reps = 5) {
  e <- substitute(expr)
  env <- parent.frame()
  tt <- vapply(seq_len(reps), function(i) {
    st <- system.time(eval(e, env), gcFirst = TRUE)
    c(st[["elapsed"]], st[["user.self"]] + st[["sys.self"]])
  }, numeric(2))
  structure(stats::median(tt[1, ]), cpu = stats::median(tt[2, ]))
}
cpu <- function(x) attr(x, "cpu")

cat("date:", format(Sys.time(), "%Y-%m-%d %H:%M %Z"), "\n")
cat("R", R.version$major, ".", R.version$minor, "; smartdid ",
    format(utils::packageVersion("smartdid")), "; fixest ",
    if (has_fixest) format(utils::packageVersion("fixest")) else "not installed",
    "\n", sep = "")
cat("load average:", tryCatch(readLines("/proc/loadavg"), error = function(e) "?"), "\n\n")

# ---- study size --------------------------------------------------------------
d <- sim(221)
fit <- smartdid(f, data = d, id = "city", time = "year", treat = "Smart_Policy")
invisible(placebo(fit, draws = 50, seed = 1))   # warm up
t_fit <- timeit(smartdid(f, data = d, id = "city", time = "year",
                         treat = "Smart_Policy"), reps = 20)
t_pl1 <- timeit(placebo(fit, draws = 500, seed = 1, nthreads = 1), reps = 10)
t_pl2 <- timeit(placebo(fit, draws = 500, seed = 1, nthreads = 2), reps = 10)
pl <- placebo(fit, draws = 500, seed = 1, keep_assignments = TRUE, nthreads = 1)

res <- data.frame(what = c("one smartdid() fit", "placebo(), 500 draws, 1 thread",
                           "placebo(), 500 draws, nthreads = 2 (*)"),
                  seconds = c(t_fit, t_pl1, t_pl2),
                  cpu_seconds = c(cpu(t_fit), cpu(t_pl1), cpu(t_pl2)))
if (has_fixest) {
  fixest::setFixest_nthreads(1)
  cols <- lapply(seq_len(500), function(k) placebo_treatment(pl, k))
  dd <- d
  loop <- function() {
    out <- matrix(NA_real_, 500, 2)
    for (k in seq_len(500)) {
      dd$pseudo <- cols[[k]]
      m <- fixest::feols(Carbon ~ pseudo + Wage + Pinf + Fiscal + Infra + Fdi +
                           Sic + Green | city + year, data = dd, cluster = ~city)
      out[k, ] <- c(stats::coef(m)[["pseudo"]], fixest::se(m)[["pseudo"]])
    }
    out
  }
  st <- system.time(ref <- loop())
  t_fx <- st[["elapsed"]]
  res <- rbind(res, data.frame(what = "fixest::feols loop, 500 draws, 1 thread",
                               seconds = t_fx,
                               cpu_seconds = st[["user.self"]] + st[["sys.self"]]))
  cat(sprintf("max |difference| to feols: estimate %.2e, std. error %.2e\n",
              max(abs(ref[, 1] - pl$draws$estimate)),
              max(abs(ref[, 2] - pl$draws$std.error))))
}
res$seconds <- signif(res$seconds, 3)
res$cpu_seconds <- signif(res$cpu_seconds, 3)
cat("\nStudy size: 3,978 rows (221 x 18), 7 controls, clustered by city\n")
print(res, row.names = FALSE)
cat("(*) draws this small (rows x (controls + 2) < 2e5) run on one thread\n")
cat(sprintf("placebo (1 thread) / one fit: %.2f\n", t_pl1 / t_fit))
if (has_fixest) {
  cat(sprintf("placebo (1 thread) / feols loop: %.4f (%.0fx faster); in CPU time %.4f\n",
              t_pl1 / t_fx, t_fx / t_pl1, cpu(t_pl1) / res$cpu_seconds[4]))
}

# ---- 1M rows -----------------------------------------------------------------
if (!identical(Sys.getenv("BENCH_BIG"), "0")) {
  big <- sim(55556)
  cat("\n1M rows:", format(nrow(big), big.mark = ","), "(55,556 x 18), 7 controls\n")
  fit_nt <- function(nt) smartdid(f, data = big, id = "city", time = "year",
                                   treat = "Smart_Policy", nthreads = nt)
  fb <- fit_nt(1L)
  t_bfit1 <- timeit(fit_nt(1L), reps = 5)
  t_bfit2 <- timeit(fit_nt(2L), reps = 5)
  t_bpl1 <- timeit(placebo(fb, draws = 500, seed = 1, nthreads = 1,
                           progress = FALSE), reps = 3)
  t_bpl2 <- timeit(placebo(fb, draws = 500, seed = 1, nthreads = 2,
                           progress = FALSE), reps = 3)
  rb <- data.frame(what = c("one smartdid() fit, 1 thread", "one smartdid() fit, 2 threads",
                            "placebo(), 500 draws, 1 thread",
                            "placebo(), 500 draws, 2 threads"),
                   seconds = signif(c(t_bfit1, t_bfit2, t_bpl1, t_bpl2), 3),
                   cpu_seconds = signif(c(cpu(t_bfit1), cpu(t_bfit2), cpu(t_bpl1),
                                          cpu(t_bpl2)), 3))
  print(rb, row.names = FALSE)
  cat(sprintf("placebo / one fit with the same threads: %.2f (1 thread), %.2f (2 threads)\n",
              t_bpl1 / t_bfit1, t_bpl2 / t_bfit2))
}
