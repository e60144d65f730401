# The inputs of the C draws (src/boottest.c) for the rows of a hypothesis:
# cluster-level sums of the partialled-out design, all from one pass over
# the rows (src/boottest_sums.c, sd_boottest_gsums).

# For the rows of Rm (m x k) with the residuals u (n) and, per row, `slope`:
# NULL (every row's residuals are u) or a vector with NA for the rows whose
# residuals are u and rho_j for the rows whose residuals are z_j / rho_j,
# z_j = X Q R_j' (the slope of an interval's draws in the tested value, see
# bt_test()). Returns list(A, S, dims) as src/boottest.c reads them, and v0:
# the raw clustered variance of the first row with residuals u (NA if none).
bt_parts <- function(model, Rm, u, cl, slope = NULL) {
  X <- model$X
  w <- model$w
  m <- nrow(Rm)
  k <- ncol(X)
  if (is.null(slope)) slope <- rep(NA_real_, m)
  QR <- model$Q %*% t(Rm)                             # k x m
  # rows of Rm that repeat (an interval's base and slope rows) share z
  keys <- bt_row_keys(Rm)
  zc <- match(keys, unique(keys))                     # z column of row j
  QRz <- QR[, !duplicated(keys), drop = FALSE]
  # factors of the C pass: 0 = 1, 1 = u, 1 + q = z_q; row j's residuals
  fa <- ifelse(is.na(slope), 1L, 1L + zc)
  scale <- ifelse(is.na(slope), 1, 1 / slope)
  b <- cl$boot
  job <- bt_jobs()
  ib <- job$code(b$code)
  xS <- vapply(seq_len(m), function(j) job$x(ib, b$G, fa[j]), 1L)
  cross <- model$cross
  if (!is.null(cross)) {                              # bootstrap cluster x period
    T <- cross$T
    iht <- job$code((b$code - 1L) * T + cross$per)
    sU <- vapply(seq_len(m), function(j) job$s(iht, b$G * T, fa[j], 0L), 1L)
  }
  plan <- lapply(cl$dims, function(cd) {
    same <- identical(cd$code, b$code)
    ic <- if (same) ib else job$code(cd$code)
    out <- list(same = same, xM = vapply(seq_len(m), function(j)
      job$x(ic, cd$G, 1L + zc[j]), 1L))
    if (same) {                                       # cells are the clusters
      out$cell <- ic
      out$ncell <- cd$G
    } else if (as.double(cd$G) * b$G <= getOption("smartdid.boottest_cell_keys", 4e6)) {
      # cells by key (c, h), then the non-empty ones
      out$cell <- job$code((cd$code - 1L) * b$G + b$code)
      out$ncell <- cd$G * b$G
      out$count <- job$s(out$cell, out$ncell, 0L, 0L, weighted = FALSE)
    } else {
      cell <- bt_intersect(list(structure(cd$code, levels = seq_len(cd$G)),
                                structure(b$code, levels = seq_len(b$G))))
      out$lev <- attr(cell, "levels") - 1
      out$cell <- job$code(as.vector(cell))
      out$ncell <- length(out$lev)
    }
    out$sv <- vapply(seq_len(m), function(j) job$s(out$cell, out$ncell, 1L + zc[j], fa[j]), 1L)
    if (!is.null(cross)) {                            # cluster x period sums of w z
      ict <- job$code((cd$code - 1L) * T + cross$per)
      out$sY <- vapply(seq_len(m), function(j) job$s(ict, cd$G * T, 0L, 1L + zc[j]), 1L)
    }
    out
  })
  res <- .Call(C_sd_boottest_gsums, X, w, as.double(u), QRz, job$codes(), job$jobs())
  xs <- res$x
  ss <- res$s
  A <- matrix(0, m, b$G)
  S <- matrix(0, k * m, b$G)
  Sj <- vector("list", m)
  for (j in seq_len(m)) {
    Sj[[j]] <- xs[[xS[j]]] * scale[j]                 # Gb x k
    S[(j - 1) * k + seq_len(k), ] <- t(Sj[[j]])
    A[j, ] <- Sj[[j]] %*% QR[, j]
  }
  v0 <- NA_real_
  j0 <- which(is.na(slope))[1]
  if (!is.na(j0)) v0 <- 0
  dims <- vector("list", length(cl$dims))
  for (d in seq_along(cl$dims)) {
    cd <- cl$dims[[d]]
    pd <- plan[[d]]
    lev <- if (pd$same) (seq_len(cd$G) - 1) * (b$G + 1)
           else if (!is.null(pd$count)) which(ss[[pd$count]] > 0) - 1
           else pd$lev
    pos <- if (is.null(pd$count)) seq_along(lev) else lev + 1   # of the cells' sums
    cv <- matrix(0, m, length(lev))
    Mt <- array(0, c(m, k, cd$G))
    for (j in seq_len(m)) {
      cv[j, ] <- ss[[pd$sv[j]]][pos] * scale[j]
      Mt[j, , ] <- t(xs[[pd$xM[j]]] %*% model$Q)
    }
    cc <- as.integer(lev %/% b$G)
    hh <- as.integer(lev %% b$G)
    if (!is.na(j0)) {
      v0 <- v0 + cl$signs[d] * sum(rowsum(cv[j0, ], cc)^2)
    }
    # dense (every c x h entry, the M part folded in) when that is cheaper
    # per draw than the low-rank form and small
    dense <- (cd$G * b$G <= k * (cd$G + b$G) + length(lev) || !is.null(cross)) &&
      cd$G * b$G <= 1e6
    if (!dense && !is.null(cross)) stop("internal: bt_model(fe_sums) too large")
    if (dense) {
      full <- matrix(0, m, cd$G * b$G)
      full[, cc * b$G + hh + 1L] <- cv
      for (j in seq_len(m)) {
        P <- crossprod(matrix(Mt[j, , ], k, cd$G), t(Sj[[j]]))      # Gc x Gb
        full[j, ] <- full[j, ] - as.vector(t(P))
        if (!is.null(cross)) {
          U <- matrix(ss[[sU[j]]] * scale[j], T, b$G)                # T x Gb
          YQ <- matrix(ss[[pd$sY[j]]], T, cd$G)                     # T x Gc
          full[j, ] <- full[j, ] - as.vector(t(crossprod(YQ, cross$Ainv %*% U)))
        }
      }
      cv <- full
      cc <- rep(seq_len(cd$G) - 1L, each = b$G)
      hh <- rep(seq_len(b$G) - 1L, cd$G)
      Mt <- numeric(0)
    }
    dims[[d]] <- list(cd$G, cc, hh, cv, Mt, cl$signs[d], dense)
  }
  list(A = A, S = S, dims = dims, v0 = v0)
}

# A registry of the jobs of one sd_boottest_gsums() pass: code vectors
# (each stored once, found again by identity) and x- and s-jobs (each
# stored once); every adder returns the index of its entry.
bt_jobs <- function() {
  codes <- list()
  xj <- integer(0)
  sj <- integer(0)
  add <- function(tab, row) {
    n <- length(row)
    M <- matrix(tab, nrow = n)
    hit <- which(colSums(M == row) == n)
    if (length(hit)) return(list(tab = tab, i = hit[1]))
    list(tab = c(tab, row), i = ncol(M) + 1L)
  }
  list(
    code = function(x) {
      for (i in seq_along(codes)) if (identical(codes[[i]], x)) return(i)
      codes[[length(codes) + 1L]] <<- x
      length(codes)
    },
    x = function(ic, G, a) {
      r <- add(xj, as.integer(c(ic, G, a)))
      xj <<- r$tab
      r$i
    },
    s = function(ic, G, a, b, weighted = TRUE) {
      r <- add(sj, as.integer(c(ic, G, a, b, weighted)))
      sj <<- r$tab
      r$i
    },
    codes = function() lapply(codes, as.integer),
    jobs = function() list(matrix(xj, 3L), matrix(sj, 5L))
  )
}

# Identical rows of a matrix get identical keys.
bt_row_keys <- function(M) apply(M, 1L, function(r) paste(format(r, digits = 17), collapse = ","))
