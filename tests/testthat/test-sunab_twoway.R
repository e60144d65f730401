# sunab_fit_twoway() (the Sun-Abraham regression from cross-products, no
# dummy matrix) against the dense route through sd_fit_matrix() on the same
# fit, and against lm() with explicit dummies.

tw_panel <- function(seed) {
  d <- growing_panel(120, seed, never = 10000)
  set.seed(seed)
  d <- d[runif(nrow(d)) > 0.15, ]                    # unbalanced
  d$state <- (d$unit - 1) %/% 7
  d
}

# Both routes on one fit; returns the two estimates and the influence
# functions of the event-time effects.
tw_both <- function(fit) {
  st <- sd_staggered(fit, "test")
  sa <- sunab_sample(st, "never")
  rows <- sa$keep
  cells <- sunab_dummies(sa$cohort[rows], clock_rel(st$clock, st$time[rows], sa$cohort[rows]))
  sp <- sd_subpanel(fit, st$rows[rows])
  has <- !is.na(cells$idx)
  w <- if (is.null(sp$weights)) rep(1, length(rows)) else sp$weights
  cells$key$n <- rowsum_full(w[has], cells$idx[has], nrow(cells$key))[, 1L]
  agg <- function(names) sunab_weights(cells$key[match(names, cells$key$name), ], NULL, NULL)
  Z <- st$X[rows, , drop = FALSE]
  fast <- sunab_fit_twoway(st$y[rows], cells, Z, sp, fit, agg)
  dense <- sd_fit_matrix(st$y[rows], cbind(sunab_design(cells), Z), sp, fit)
  cn <- grep("^sa::", names(dense$coefficients), value = TRUE)
  psi <- if (!is.null(dense$scores)) dense$scores[, cn, drop = FALSE] %*% t(agg(cn)$A)
  list(fast = fast, dense = dense, psi = psi, cells = cells, ok = sunab_twoway_ok(sp, fit))
}

test_that("the cross-product route equals the dense dummies: unbalanced, weighted, clustered", {
  d <- tw_panel(11)
  for (cl in c("unit", "state")) {
    fit <- smartdid(y ~ x1, data = d, id = "unit", time = "year", cohort = "first",
                    weights = "w", cluster = cl)
    r <- tw_both(fit)
    expect_true(r$ok)
    expect_identical(names(r$fast$coefficients), names(r$dense$coefficients))
    expect_lt(rel_err(r$fast$coefficients, r$dense$coefficients), 1e-9)
    expect_lt(rel_err(r$fast$vcov, r$dense$vcov), 1e-9)
    expect_identical(r$fast$df_t, r$dense$df_t)
    expect_lt(max(abs(r$fast$psi - r$psi)) / max(abs(r$psi)), 1e-9)
    expect_identical(rownames(r$fast$psi), rownames(r$psi))
  }
  fit <- smartdid(y ~ x1, data = d, id = "unit", time = "year", cohort = "first",
                  vcov = "iid")
  r <- tw_both(fit)
  expect_true(r$ok)
  expect_lt(rel_err(r$fast$coefficients, r$dense$coefficients), 1e-9)
  expect_lt(rel_err(r$fast$vcov, r$dense$vcov), 1e-9)
  expect_null(r$fast$psi)
})

test_that("the cross-product route equals lm() with weights and explicit dummies", {
  d <- tw_panel(12)
  fit <- smartdid(y ~ x1, data = d, id = "unit", time = "year", cohort = "first",
                  weights = "w", cluster = "state")
  r <- tw_both(fit)
  key <- r$cells$key
  rel <- d$year - d$g
  for (j in seq_len(nrow(key))) {
    d[[paste0("c", j)]] <- as.numeric(d$g == key$cohort[j] & rel == key$rel[j])
  }
  f <- as.formula(paste("y ~ x1 +", paste0("c", seq_len(nrow(key)), collapse = " + "),
                        "+ factor(unit) + factor(year)"))
  m <- lm(f, data = d, weights = w)
  b <- coef(m)[paste0("c", seq_len(nrow(key)))]
  expect_lt(max(abs(r$fast$coefficients[key$name] - b)), 1e-8)
  # the clustered sandwich by hand on lm()'s design
  X <- model.matrix(m)
  X <- X[, !is.na(coef(m))]
  e <- residuals(m)
  bread <- solve(crossprod(X, X * d$w))
  S <- rowsum(X * (d$w * e), d$state)
  n <- nrow(X)
  G <- nrow(S)
  K <- 1 + nrow(key) + length(unique(d$year)) - 1 + 1   # unit effects nested in state
  V <- bread %*% crossprod(S) %*% bread * G / (G - 1) * (n - 1) / (n - K)
  cn <- paste0("c", seq_len(nrow(key)))
  expect_lt(rel_err(sqrt(diag(r$fast$vcov))[key$name], sqrt(diag(V))[cn]), 1e-8)
})

test_that("a cell absorbed by the unit effects is dropped as on the dense route", {
  d <- tw_panel(13)
  # the units of one cohort observed in a single post period: their cell
  # dummy equals their unit dummies
  g1 <- sort(unique(d$first[!is.na(d$first)]))[1]
  one <- d$first %in% g1
  d <- d[!one | d$year == g1 + 1, ]
  fit <- smartdid(y ~ x1, data = d, id = "unit", time = "year", cohort = "first",
                  cluster = "unit")
  r <- tw_both(fit)
  expect_identical(names(r$fast$coefficients), names(r$dense$coefficients))
  expect_false(paste0("sa::", g1, "::1") %in% names(r$fast$coefficients))
  expect_lt(rel_err(r$fast$coefficients, r$dense$coefficients), 1e-9)
  expect_lt(rel_err(r$fast$vcov, r$dense$vcov), 1e-9)
})

test_that("fits the cross-product route does not cover take the dense route", {
  d <- tw_panel(14)
  d$region2 <- d$region
  for (args in list(list(vcov = "hc1"), list(cluster = c("unit", "state")),
                    list(cluster = "year"), list(fe = "region2"))) {
    fit <- do.call(smartdid, c(list(y ~ x1, data = d, id = "unit", time = "year",
                                    cohort = "first"), args))
    st <- sd_staggered(fit, "test")
    sp <- sd_subpanel(fit, st$rows)
    expect_false(sunab_twoway_ok(sp, fit))
  }
})
