# The cluster sums of a hypothesis from one pass over the rows
# (R/boottest_parts.R, src/boottest_sums.c).

test_that("the raw variance from the pass equals the cluster sums computed apart", {
  d <- bt_panel(seed = 9)
  for (cl in list("region", c("region", "year"))) {
    fit <- suppressWarnings(smartdid(y ~ x, data = d, id = "unit", time = "year",
                                     treat = "D", cluster = cl, weights = "wt"))
    clu <- smartdid:::bt_clusters(fit, NULL, NULL)
    model <- smartdid:::bt_model(fit, clu$boot$code, 1L)
    Rm <- matrix(c(1, 0.5, rep(0, ncol(model$X) - 2)), 1)
    parts <- smartdid:::bt_parts(model, Rm, model$u, clu)
    # by hand: sum_d sign_d sum_c (sum_{i in c} w_i z_i u_i)^2, z = X Q R'
    z <- drop(model$X %*% (model$Q %*% t(Rm)))
    v <- 0
    for (j in seq_along(clu$dims)) {
      s <- rowsum(model$w * z * model$u, clu$dims[[j]]$code)
      v <- v + clu$signs[j] * sum(s^2)
    }
    expect_equal(parts$v0, v, tolerance = 1e-12)
    # the draws' numerator: one entry per bootstrap cluster
    expect_equal(parts$A[1, ], unname(drop(rowsum(model$w * z * model$u, clu$boot$code))),
                 tolerance = 1e-10)
  }
})

test_that("the cells of a clustering crossing the bootstrap clusters: by key or by intersection", {
  d <- bt_panel(seed = 9)
  fit <- suppressWarnings(smartdid(y ~ x, data = d, id = "unit", time = "year",
                                   treat = "D", cluster = c("region", "prov")))
  a <- boottest(fit, "D", B = 99, seed = 3, bootcluster = "min")
  old <- options(smartdid.boottest_cell_keys = 0)      # force bt_intersect()
  on.exit(options(old))
  b <- boottest(fit, "D", B = 99, seed = 3, bootcluster = "min")
  expect_equal(b$t_boot, a$t_boot, tolerance = 1e-12)
  expect_equal(b$conf.low, a$conf.low, tolerance = 1e-10)
})
