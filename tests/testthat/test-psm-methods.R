# Methods of psm() results: matched_data(), plot(), tidy(), glance(), print().

test_that("matched_data() returns the matched rows with weights and pair ids", {
  d <- cross_section(200, seed = 6)
  m <- psm(d, "t", c("x1", "x2"), id = "id", time = "year", ratio = 2)
  md <- matched_data(m)
  expect_identical(md$id, d$id[m$units$matched])
  expect_equal(md$weights, m$units$weights[m$units$matched])
  # each subclass: one treated row and its controls from the match matrix
  mm <- m$match_matrix[rowSums(!is.na(m$match_matrix)) > 0, , drop = FALSE]
  for (s in c(1, 5, nrow(mm))) {
    rows <- md$id[md$subclass == s]
    expect_setequal(rows, c(as.integer(rownames(mm))[s], mm[s, !is.na(mm[s, ])]))
  }
  # with replacement, pairs = TRUE repeats reused controls
  mr <- psm(d, "t", c("x1", "x2"), id = "id", time = "year", replace = TRUE)
  pr <- matched_data(mr, pairs = TRUE)
  expect_equal(nrow(pr), 2 * sum(mr$units$matched & mr$units$treat == 1))
  expect_equal(sum(pr$weights[pr$t == 0]), sum(mr$units$freq_weights[d$t == 0]))
  reused <- which(tabulate(mr$match_matrix, nrow(d)) > 1)
  expect_true(length(reused) > 0)
  expect_true(all(is.na(matched_data(mr)$subclass[matched_data(mr)$id %in% reused])))
  d$weights <- 1
  expect_warning(matched_data(psm(d, "t", "x1", id = "id", time = "year")), "overwritten")
})

test_that("plot() draws both panels and returns the densities", {
  d <- cross_section(200, seed = 10)
  m <- psm(d, "t", c("x1", "x2"), id = "id", time = "year", replace = TRUE)
  pdf(NULL)
  on.exit(dev.off())
  pd <- plot(m)
  expect_setequal(unique(paste(pd$panel, pd$group)),
                  c("before treated", "before control", "after treated", "after control"))
  s <- m$units$score
  # a kernel density reflected at 0 and 1, written out (Gaussian kernel)
  reflected <- function(x, s, w) {
    h <- bw.nrd0(s)
    w <- w / sum(w)
    vapply(x, function(z) sum(w * (dnorm(z, s, h) + dnorm(z, -s, h) + dnorm(z, 2 - s, h))), 1)
  }
  sel <- pd$panel == "before" & pd$group == "control"
  expect_true(all(pd$x >= 0 & pd$x <= 1))
  expect_equal(pd$density[sel], reflected(pd$x[sel], s[d$t == 0], rep(1, sum(d$t == 0))),
               tolerance = 0.02)
  # it integrates to one on [0, 1]: no mass beyond the unit interval
  expect_equal(sum(diff(pd$x[sel]) * (head(pd$density[sel], -1) + pd$density[sel][-1]) / 2),
               1, tolerance = 0.01)
  on <- d$t == 0 & m$units$freq_weights > 0
  w <- m$units$freq_weights[on]
  sel <- pd$panel == "after" & pd$group == "control"
  expect_equal(pd$density[sel], reflected(pd$x[sel], s[on], w), tolerance = 0.02)
  expect_identical(plot(m, plot = FALSE), pd)
})

test_that("tidy() and glance() report the score model and the sample sizes", {
  d <- cross_section(200, seed = 14)
  m <- psm(d, "t", c("x1", "x2"), id = "id", time = "year", link = "probit",
           caliper = 0.05)
  ref <- summary(glm(t ~ x1 + x2, family = binomial("probit"), data = d))$coefficients
  td <- tidy(m)
  expect_equal(td$term, c("(Intercept)", "x1", "x2"))
  expect_equal(as.matrix(td[, 2:5]), unname(ref), ignore_attr = TRUE, tolerance = 1e-10)
  gl <- glance(m)
  expect_equal(gl$n_treated, sum(d$t))
  expect_equal(gl$matched_treated, sum(m$units$matched & d$t == 1))
  expect_equal(gl$matched_treated + gl$unmatched_treated + gl$discarded_treated, sum(d$t))
  expect_equal(gl$matched_treated, gl$matched_control)
})

test_that("psm() prints its sample sizes", {
  d <- cross_section(120, seed = 15)
  d$x1[3] <- NA
  expect_snapshot(print(psm(d, "t", c("x1", "x2"), id = "id", time = "year",
                            caliper = 0.1, discard = "treated")))
  expect_snapshot(print(psm(d, "t", "x2", id = "id", time = "year", ratio = 2,
                            replace = TRUE)))
})
