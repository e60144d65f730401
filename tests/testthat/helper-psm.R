# A small cross-section for the matching tests: covariates and a treatment
# whose probability rises with x1 (rounded covariates give tied scores).
cross_section <- function(n = 300, seed = 1, tied = FALSE) {
  set.seed(seed)
  d <- data.frame(id = seq_len(n), year = 2000L, x1 = rnorm(n), x2 = rnorm(n))
  if (tied) {
    d$x1 <- round(d$x1)
    d$x2 <- as.numeric(d$x2 > 0)
  }
  d$t <- rbinom(n, 1, plogis(-0.8 + 0.9 * d$x1 + 0.3 * d$x2))
  d
}
