# psm(): the C nearest-neighbour search against an exhaustive R search,
# against MatchIt where installed, the matched sample, weights and methods.

# Exhaustive reference: every candidate control is compared with every
# treated unit. Rule: smallest |distance|; on ties the control on the left
# (smaller distance) side; then the one nearest in the stable sort order.
ref_match <- function(dist, treat, discarded, ord, ratio, replace, cal = NA) {
  n <- length(dist)
  rk <- integer(n)
  rk[order(dist, method = "radix")] <- seq_len(n)
  tr <- which(treat == 1)
  mm <- matrix(NA_integer_, length(tr), ratio)
  avail <- treat == 0 & !discarded
  best <- function(t, excl) {
    cand <- which(avail)
    cand <- setdiff(cand, excl)
    if (!length(cand)) return(NA_integer_)
    d <- abs(dist[cand] - dist[t])
    side <- as.integer(rk[cand] > rk[t])
    o <- order(d, side, abs(rk[cand] - rk[t]))
    k <- cand[o[1]]
    if (!is.na(cal) && d[o[1]] > cal) return(NA_integer_)
    k
  }
  if (replace) {
    for (t in ord) {
      if (discarded[t]) next
      i <- match(t, tr)
      for (j in seq_len(ratio)) mm[i, j] <- best(t, mm[i, ])
    }
  } else {
    for (r in seq_len(ratio)) {
      for (t in ord) {
        if (discarded[t]) next
        i <- match(t, tr)
        k <- best(t, mm[i, ])
        if (!is.na(k)) {
          mm[i, r] <- k
          avail[k] <- FALSE
        }
      }
    }
  }
  mm
}

c_match <- function(dist, treat, discarded, ord, ratio, replace, cal = NA) {
  .Call(smartdid:::C_sd_nn_match, as.double(dist), as.integer(treat), discarded,
        as.integer(ord), as.integer(ratio), replace, as.double(cal))
}

# Make the rows of a match matrix comparable: NA entries after the matches.
fill_left <- function(mm) t(apply(mm, 1, function(r) c(r[!is.na(r)], r[is.na(r)])))

test_that("the C search equals the exhaustive search (random and tied scores)", {
  set.seed(11)
  for (rep in 1:24) {
    n <- sample(c(30, 120, 300), 1)
    tied <- rep %% 3 == 0
    dist <- if (tied) round(runif(n), 1) else runif(n)^2
    treat <- rbinom(n, 1, if (rep %% 4 == 0) 0.6 else 0.3)
    if (sum(treat) == 0) treat[1] <- 1
    discarded <- runif(n) < (if (rep %% 5 == 0) 0.1 else 0)
    tr <- which(treat == 1)
    ord <- switch(rep %% 3 + 1, tr[order(dist[tr], decreasing = TRUE, method = "radix")],
                  tr[order(dist[tr], method = "radix")], tr)
    ratio <- c(1, 2, 3)[rep %% 3 + 1]
    replace <- rep %% 2 == 0
    cal <- if (rep %% 4 < 2) NA else 0.2 * sd(dist[!discarded])
    expect_identical(c_match(dist, treat, discarded, ord, ratio, replace, cal),
                     ref_match(dist, treat, discarded, ord, ratio, replace, cal),
                     info = paste("rep", rep))
  }
})

test_that("with replacement every treated unit gets its k nearest controls", {
  set.seed(12)
  n <- 400
  dist <- rnorm(n)
  treat <- rbinom(n, 1, 0.4)
  tr <- which(treat == 1)
  ctrl <- which(treat == 0)
  mm <- c_match(dist, treat, rep(FALSE, n), tr, 3, TRUE)
  for (i in seq_along(tr)) {
    d <- abs(dist[ctrl] - dist[tr[i]])
    expect_setequal(mm[i, ], ctrl[order(d)[1:3]])
  }
  # caliper: only controls within it, and all of them up to k
  cal <- 0.01
  mm <- c_match(dist, treat, rep(FALSE, n), tr, 3, TRUE, cal)
  for (i in seq_along(tr)) {
    d <- abs(dist[ctrl] - dist[tr[i]])
    within <- ctrl[order(d)][seq_len(min(3, sum(d <= cal)))]
    expect_setequal(mm[i, !is.na(mm[i, ])], within)
  }
})

test_that("without replacement controls are used once and the pool can run out", {
  set.seed(13)
  n <- 50
  dist <- runif(n)
  treat <- rep(0:1, c(20, 30))
  tr <- which(treat == 1)
  mm <- c_match(dist, treat, rep(FALSE, n), tr, 2, FALSE)
  used <- mm[!is.na(mm)]
  expect_equal(length(used), 20L)
  expect_false(anyDuplicated(used) > 0)
  expect_true(all(!is.na(mm[, 1])[1:20]))
})

test_that("the C entry point rejects malformed input", {
  expect_error(c_match(c(0.1, NA), c(1L, 0L), c(FALSE, FALSE), 1L, 1, FALSE), "finite")
  expect_error(c_match(c(0.1, 0.2), c(1L, 2L), c(FALSE, FALSE), 1L, 1, FALSE), "0 or 1")
  expect_error(c_match(c(0.1, 0.2), c(1L, 0L), c(FALSE, FALSE), 2L, 1, FALSE), "permutation")
  expect_error(c_match(c(0.1, 0.2), c(1L, 0L), c(FALSE, FALSE), 1L, 0, FALSE), "ratio")
})

mi_matrix <- function(mi, ratio) {
  mm <- matrix(as.integer(mi$match.matrix), nrow(mi$match.matrix))
  if (ncol(mm) < ratio) mm <- cbind(mm, matrix(NA_integer_, nrow(mm), ratio - ncol(mm)))
  mm
}

psm_grid <- function(tied) {
  expand.grid(order = c("largest", "smallest", "data"),
              discard = c("none", "both", "treated"), caliper = c(NA, 0.1),
              tied = tied, stringsAsFactors = FALSE)
}
psm_case <- function(g, i) {
  d <- cross_section(250, seed = i, tied = g$tied)
  cal <- if (is.na(g$caliper)) NULL else g$caliper
  m <- psm(d, "t", c("x1", "x2"), id = "id", time = "year", order = g$order,
           discard = g$discard, caliper = cal)
  list(d = d, cal = cal, m = m)
}
# MatchIt on the same scores. MatchIt 4.5.1's search on a distance vector
# compares |differences| after truncation to integers (treated at 0.5,
# controls at 0.1 and 0.55: it takes 0.1, even with caliper 0.01), so it is
# given the scores times 2^30, an exact scaling that later versions (4.8.1)
# match on identically.
mi_case <- function(cs, g) {
  suppressWarnings(MatchIt::matchit(
    t ~ x1 + x2, data = cs$d, method = "nearest", distance = cs$m$units$score * 2^30,
    m.order = g$order, discard = g$discard, caliper = cs$cal))
}

test_that("psm() follows its documented rules: equal to the exhaustive search", {
  # every order, common-support rule and caliper, distinct and tied scores:
  # the matches equal the brute-force search over all controls (nearest by
  # score; at equal distance the left neighbour, then the nearest in the
  # stable order), trimming is the documented range rule, the caliper is in
  # standard deviations of the kept scores
  grid <- psm_grid(c(FALSE, TRUE))
  for (i in seq_len(nrow(grid))) {
    g <- grid[i, ]
    cs <- psm_case(g, i)
    u <- cs$m$units
    info <- paste(g, collapse = " ")
    disc <- smartdid:::psm_discard(u$distance, u$treat, g$discard)
    expect_identical(u$discarded, disc, info = info)
    tr <- which(u$treat == 1L)
    ord <- switch(g$order, largest = tr[order(-u$distance[tr], method = "radix")],
                  smallest = tr[order(u$distance[tr], method = "radix")], data = tr)
    cal <- if (is.na(g$caliper)) NA else g$caliper * sd(u$distance[!disc])
    expect_identical(unname(cs$m$match_matrix),
                     ref_match(u$distance, u$treat, disc, ord, 1, FALSE, cal), info = info)
  }
})

test_that("scores and 1:1 matches equal MatchIt on distinct scores", {
  skip_if_not_installed("MatchIt")
  grid <- psm_grid(FALSE)
  for (i in seq_len(nrow(grid))) {
    g <- grid[i, ]
    cs <- psm_case(g, i)
    m <- cs$m
    if (i == 1) {
      mg <- MatchIt::matchit(t ~ x1 + x2, data = cs$d, method = "nearest", distance = "glm")
      expect_equal(m$units$score, unname(mg$distance), tolerance = 1e-10)
    }
    mi <- mi_case(cs, g)
    expect_identical(unname(m$match_matrix), mi_matrix(mi, 1), info = paste(g, collapse = " "))
    expect_equal(m$units$weights, unname(mi$weights), info = paste(g, collapse = " "))
    expect_identical(m$units$discarded, unname(mi$discarded))
  }
})

test_that("with tied scores the matches equal MatchIt's up to which equal-score control", {
  skip_if_not_installed("MatchIt")
  # Which of several controls with exactly the same score a treated unit
  # takes differs between MatchIt's versions (4.5.1 takes the one psm() takes,
  # 4.8.1 sometimes another); both versions agree with psm() on everything
  # else: who is matched and discarded, the score of each treated unit's
  # control, and the weight carried by each score level.
  grid <- psm_grid(TRUE)
  for (i in seq_len(nrow(grid))) {
    g <- grid[i, ]
    cs <- psm_case(g, i + nrow(grid))
    m <- cs$m
    s <- m$units$score
    info <- paste(g, collapse = " ")
    mi <- mi_case(cs, g)
    mm <- unname(m$match_matrix)
    mmi <- mi_matrix(mi, 1)
    expect_identical(is.na(mm), is.na(mmi), info = info)
    expect_identical(s[mm], s[mmi], info = info)
    expect_identical(m$units$discarded, unname(mi$discarded), info = info)
    lev <- paste(m$units$treat, format(s, digits = 15))
    expect_equal(tapply(m$units$weights, lev, sum), tapply(unname(mi$weights), lev, sum),
                 info = info)
    expect_true(any(duplicated(s[!m$units$discarded])))  # the case has ties
  }
})

test_that("k:1 matching with a caliper equals MatchIt's distance-matrix search", {
  skip_if_not_installed("MatchIt")
  for (ratio in 2:3) {
    d <- cross_section(300, seed = 20 + ratio)
    m0 <- psm(d, "t", c("x1", "x2"), id = "id", time = "year")
    # MatchIt's matrix search visits treated units in data order: sort the
    # data by decreasing score so that it is the "largest" order
    d <- d[order(-m0$units$score, method = "radix"), ]
    rownames(d) <- NULL
    m <- psm(d, "t", c("x1", "x2"), id = "id", time = "year", ratio = ratio,
             caliper = 0.05)
    m_data <- psm(d, "t", c("x1", "x2"), id = "id", time = "year", ratio = ratio,
                  caliper = 0.05, order = "data")
    expect_identical(m$match_matrix, m_data$match_matrix)
    s <- m$units$score
    tr <- d$t == 1
    dm <- abs(outer(s[tr], s[!tr], "-"))
    mi <- suppressWarnings(MatchIt::matchit(
      t ~ x1 + x2, data = d, method = "nearest", distance = dm, ratio = ratio,
      m.order = "data", caliper = unname(m$caliper_abs), std.caliper = FALSE))
    expect_identical(unname(m$match_matrix), mi_matrix(mi, ratio))
    expect_equal(m$units$weights, unname(mi$weights))
    expect_true(any(rowSums(!is.na(m$match_matrix)) %in% seq_len(ratio - 1)))
  }
})

test_that("weights: psmatch2 frequency weights and MatchIt's scaling", {
  d <- cross_section(200, seed = 5)
  m <- psm(d, "t", c("x1", "x2"), id = "id", time = "year", ratio = 2,
           replace = TRUE, caliper = 0.1)
  mm <- m$match_matrix
  k <- rowSums(!is.na(mm))
  freq <- numeric(nrow(d))
  freq[as.integer(rownames(mm))[k > 0]] <- 1
  for (i in seq_len(nrow(mm))) for (j in mm[i, !is.na(mm[i, ])]) freq[j] <- freq[j] + 1 / k[i]
  expect_equal(m$units$freq_weights, freq, tolerance = 1e-12)
  ctrl <- d$t == 0 & freq > 0
  w <- freq
  w[ctrl] <- freq[ctrl] * sum(ctrl) / sum(freq[ctrl])
  expect_equal(m$units$weights, w, tolerance = 1e-12)
  expect_equal(sum(m$units$weights[d$t == 0]), sum(ctrl))
  expect_identical(m$units$matched, freq > 0)
})

test_that("level = 'unit' matches baseline covariates and keeps whole panels", {
  p <- sim_panel(60, 6, seed = 7)
  p$ever <- as.numeric(!is.na(p$first))
  m <- psm(p, "ever", c("x1", "x2"), id = "unit", time = "year", level = "unit")
  base <- p[p$year == min(p$year), ]
  m0 <- psm(base, "ever", c("x1", "x2"), id = "unit", time = "year")
  expect_equal(m$units$score, m0$units$score, tolerance = 1e-12)
  expect_identical(unname(m$match_matrix), unname(m0$match_matrix))
  md <- matched_data(m)
  expect_setequal(unique(md$unit), base$unit[m0$units$matched])
  expect_equal(nrow(md), 6 * sum(m0$units$matched))
  expect_true(all(tapply(md$subclass, md$unit, function(z) length(unique(z))) == 1L))
  expect_true(all(tapply(md$weights, md$unit, function(z) length(unique(z))) == 1L))
  # a given baseline period, and unit means
  m3 <- psm(p, "ever", c("x1", "x2"), id = "unit", time = "year", level = "unit",
            baseline = 2003)
  b3 <- p[p$year == 2003, ]
  expect_equal(m3$X[, "x1"], b3$x1[order(b3$unit)])
  mm <- psm(p, "ever", "x1", id = "unit", time = "year", level = "unit", baseline = "mean")
  expect_equal(as.vector(mm$X[, 1]), as.vector(tapply(p$x1, p$unit, mean)))
})

test_that("by = 'year' estimates and matches period by period", {
  p <- sim_panel(50, 4, seed = 8)
  p$ever <- as.numeric(!is.na(p$first))
  m <- psm(p, "ever", c("x1", "x2"), id = "unit", time = "year", by = "year",
           caliper = 0.3)
  for (yr in c(2001, 2004)) {
    s <- p[p$year == yr, ]
    ms <- psm(s, "ever", c("x1", "x2"), id = "unit", time = "year", caliper = 0.3)
    rows <- which(p$year == yr)
    expect_equal(m$units$score[rows], ms$units$score, tolerance = 1e-12)
    mm <- m$match_matrix[as.integer(rownames(m$match_matrix)) %in% rows, , drop = FALSE]
    expect_identical(unname(mm), matrix(rows[ms$match_matrix], ncol = 1))
    expect_equal(m$caliper_abs[[as.character(yr)]], ms$caliper_abs[[1]])
  }
  td <- tidy(m)
  expect_identical(unique(td$group), as.character(2001:2004))
  # a period with no treated rows is off support, not an error
  m2 <- psm(p, "D", c("x1", "x2"), id = "unit", time = "year", by = "year")
  expect_true(all(m2$units$discarded[p$year == 2001]))
})

test_that("PSM-DID: smartdid() on the matched sample equals weighted lm()", {
  p <- sim_panel(60, 8, seed = 9)
  p$ever <- as.numeric(!is.na(p$first))
  m <- psm(p, "ever", c("x1", "x2"), id = "unit", time = "year", replace = TRUE,
           ratio = 2)
  md <- matched_data(m)
  fit <- smartdid(y ~ x1, data = md, id = "unit", time = "year", treat = "D",
                  weights = "weights", singletons = FALSE)
  ref <- lm(y ~ D + x1 + factor(unit) + factor(year), data = md, weights = weights)
  expect_lt(rel_err(coef(fit)[c("D", "x1")], coef(ref)[c("D", "x1")]), 1e-8)
  fit0 <- smartdid(y ~ x1, data = md, id = "unit", time = "year", treat = "D",
                   singletons = FALSE)
  ref0 <- lm(y ~ D + x1 + factor(unit) + factor(year), data = md)
  expect_lt(rel_err(coef(fit0)[c("D", "x1")], coef(ref0)[c("D", "x1")]), 1e-8)
})

test_that("psm() rejects bad input with clear messages", {
  d <- cross_section(50, seed = 16)
  d$bad <- d$t
  d$bad[4] <- 2
  d$f <- letters[1 + d$id %% 3]
  expect_snapshot(error = TRUE, {
    psm(d, "bad", "x1", id = "id", time = "year")
    psm(d, "t", c("x1", "zz"), id = "id", time = "year")
    psm(d, "t", "f", id = "id", time = "year")
    psm(d, "t", "x1", id = "id", time = "year", caliper = -0.1)
    psm(d, "t", "x1", id = "id", time = "year", ratio = 0)
    psm(d, "t", "x1", id = "id", time = "year", method = "optimal")
    psm(d, "t", "x1", id = "id", time = "year", link = "cloglog")
    psm(d, "t", "x1", id = "id", time = "year", level = "city")
    psm(d, "t", "x1", id = "id", time = "year", baseline = 2000)
    psm(d, "t", "t", id = "id", time = "year")
    psm(d, "t", "x1", id = "id", time = "year", replce = TRUE)
    psm(as.list(d), "t", "x1", id = "id", time = "year")
    matched_data(d)
  })
  d$t <- 0
  expect_error(psm(d, "t", "x1", id = "id", time = "year"), "both treated and control")
})

test_that("psm() refuses a treatment that varies within units unless asked by period", {
  p <- sim_panel(40, 6, seed = 30)
  p$ever <- ave(p$D, p$unit, FUN = max)
  expect_error(psm(p, "D", c("x1", "x2"), id = "unit", time = "year"),
               "'treat' column 'D' varies within units \\([0-9]+ units.*ever-treated.*by = \"year\"")
  expect_snapshot(error = TRUE, psm(p, "D", c("x1", "x2"), id = "unit", time = "year"))
  # the two correct uses
  expect_s3_class(psm(p, "ever", c("x1", "x2"), id = "unit", time = "year"), "smartdid_psm")
  expect_s3_class(psm(p, "D", c("x1", "x2"), id = "unit", time = "year", by = "year"),
                  "smartdid_psm")
  # unit level: the flag is the unit's ever-treated status
  mu <- psm(p, "D", c("x1", "x2"), id = "unit", time = "year", match_level = "unit")
  me <- psm(p, "ever", c("x1", "x2"), id = "unit", time = "year", match_level = "unit")
  expect_identical(mu$match_matrix, me$match_matrix)
  # a `by` constant within units does not make it period-wise
  p$region2 <- p$unit %% 2
  expect_error(psm(p, "D", c("x1", "x2"), id = "unit", time = "year", by = "region2"),
               "varies within units within 'region2'")
})
