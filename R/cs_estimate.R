# ATT(g, t) of every cell and outcome, and their influence functions (kept
# compact; cs_psi() and the $ / [[ methods expand them).

# ATT(g, t) of every cell and outcome (cells x outcomes) and their influence
# functions (one units x cells matrix per outcome, scaled so that the
# variance is sum_c (sum_{i in c} psi_i)^2 / N^2). The comparison sets and
# propensity scores of a cell are computed once for all outcomes.
# With compact = TRUE the influence functions may come in the compact forms
# that cs_psi() reads (att_gt() keeps them so), else as matrices.
cs_estimate <- function(pan, cells, control, anticipation, covariates,
                        compact = FALSE) {
  if (covariates == "none" && !pan$w_varies) {
    r <- cs_estimate_none(pan, cells, control, anticipation)
    if (!compact) r$psi <- lapply(r$psi, cs_psi)
    return(r)
  }
  if (covariates != "none" && pan$mode == "panel") {
    r <- cs_estimate_panel(pan, cells, control, anticipation, covariates)
    if (!compact) r$psi <- lapply(r$psi, cs_psi)
    return(r)
  }
  cs_estimate_cells(pan, cells, control, anticipation, covariates)
}

# The same cell by cell in R (unbalanced panels, repeated cross-sections,
# and weights that vary within units without covariates).
cs_estimate_cells <- function(pan, cells, control, anticipation, covariates) {
  pan$y <- cs_ymat(pan$y)
  pan <- if (pan$mode == "panel") cs_matrices(pan) else cs_rows(pan)
  K <- nrow(cells)
  N <- pan$n_units
  m <- ncol(pan$y)
  att <- matrix(NA_real_, K, m)
  psi <- rep(list(matrix(0, N, K)), m)
  no_control <- 0L
  for (k in seq_len(K)) {
    if (cells$time[k] == cells$base[k]) {      # universal base period itself
      att[k, ] <- 0
      next
    }
    sel <- cs_select(pan, cells[k, ], control, anticipation)
    r <- if (pan$mode == "panel") cs_cell_panel(pan, cells[k, ], sel, covariates) else
      cs_cell_rc(pan, cells[k, ], sel, covariates)
    if (is.null(r)) {
      no_control <- no_control + 1L
      next
    }
    for (j in seq_len(m)) {
      if (is.finite(r$att[j])) {
        att[k, j] <- r$att[j]
        psi[[j]][r$units, k] <- r$psi[, j]
      }
    }
  }
  list(att = att, psi = psi, no_control = no_control)
}

# Without covariates, every cell and outcome in C (src/cs_none.c): the
# weighted cohort-by-period sums in one pass, the influence functions in a
# second. Equal to the 2x2 estimators on outcome changes (balanced panels,
# weights constant within units) and on rows (unbalanced panels, repeated
# cross-sections).
#
# The influence functions are not stored as units x cells matrices: the
# kernel returns the sums of squares of their cluster sums (the standard
# errors), and each outcome's result keeps the kernel's arguments (shared by
# all outcomes: references to the rows' vectors, no copies) from which
# cs_psi() recomputes the matrix, or its product with cell weights, on
# demand.
cs_estimate_none <- function(pan, cells, control, anticipation) {
  lev <- sort(unique(pan$cohort))
  ctrl <- cs_ctrl(lev, cells, control, anticipation)
  cm <- cbind(match(cells$group, lev), cells$ti, cells$bi)
  storage.mode(cm) <- "integer"
  args <- list(unit = as.integer(pan$unit), ti = as.integer(pan$ti),
               ucode = match(pan$cohort, lev), y = pan$y,
               w = if (pan$weighted) pan$w else NULL, cells = cm, ctrl = ctrl,
               dims = as.integer(c(pan$n_units, pan$n_periods, length(lev))))
  clus <- if (anyDuplicated(pan$cluster)) as.integer(pan$cluster) else NULL
  r <- .Call(C_sd_cs_none, args$unit, args$ti, args$ucode, args$y, args$w,
             args$cells, args$ctrl, args$dims, clus)
  psi <- lapply(seq_len(cs_ny(pan$y)), function(j) {
    structure(list(args = args, j = j), class = "smartdid_cs_psi")
  })
  list(att = r$att, psi = psi, ss = r$ss, no_control = sum(!r$ok))
}

# The influence functions of an att_gt() result (or of its `psi` element):
# the units x cells matrix (W = NULL), or its product with W (cells x p),
# units x p. Results store them as a matrix, or without covariates in the
# implicit form of cs_estimate_none(), which C expands in one pass over the
# rows (O(rows x p) for a product), or with covariates on a balanced panel
# in the compact form of cs_estimate_panel() (each cell's units and values).
cs_psi <- function(x, W = NULL) {
  p <- if (inherits(x, "smartdid_att_gt")) .subset2(x, "psi") else x
  if (!is.null(W)) {
    W <- as.matrix(W)
    if (!is.double(W)) storage.mode(W) <- "double"
  }
  if (inherits(p, "smartdid_cs_psi")) {
    if (!is.null(p$units)) {                   # cs_estimate_panel()
      return(.Call(C_sd_cs_cells_psi, p$units, p$start, p$vals, p$n_units, W))
    }
    a <- p$args                                # cs_estimate_none()
    return(.Call(C_sd_cs_none_psi, a$unit, a$ti, a$ucode, a$y, a$w, a$cells,
                 a$ctrl, a$dims, as.integer(p$j), W))
  }
  if (is.null(W)) p else p %*% W
}

#' @rdname att_gt
#' @param name,i The element to extract. `psi` is stored in a compact form
#'   and returned as the units by cells matrix.
#' @export
`$.smartdid_att_gt` <- function(x, name) {
  v <- .subset2(x, name)
  if (inherits(v, "smartdid_cs_psi")) cs_psi(v) else v
}

#' @rdname att_gt
#' @export
`[[.smartdid_att_gt` <- function(x, i, ...) {
  v <- .subset2(x, i, ...)
  if (inherits(v, "smartdid_cs_psi")) cs_psi(v) else v
}

# With covariates on a balanced panel, every cell in C (src/cs_cells.c): the
# 2x2 of cs_cell_panel() with the rows read in place, the propensity score
# fitted once for consecutive cells with the same units, covariates and
# weights (psid).
cs_estimate_panel <- function(pan, cells, control, anticipation, covariates) {
  lev <- sort(unique(pan$cohort))
  ctrl <- cs_ctrl(lev, cells, control, anticipation)
  early <- pmin(cells$ti, cells$bi)
  cm <- cbind(match(cells$group, lev), cells$ti, cells$bi, early)
  storage.mode(cm) <- "integer"
  key <- paste(cm[, 1L], early, apply(ctrl, 2L, function(v) paste(which(v), collapse = ",")))
  clus <- if (anyDuplicated(pan$cluster)) as.integer(pan$cluster) else NULL
  r <- .Call(C_sd_cs_panel_cells, as.integer(pan$unit), as.integer(pan$ti), pan$y,
             pan$X, if (pan$weighted) pan$w else NULL, match(pan$cohort, lev), cm, ctrl,
             as.integer(c(pan$n_units, pan$n_periods, length(lev))),
             if (covariates == "or") 1L else 2L, 0.995, match(key, unique(key)), clus)
  if (any(r$status == 2L)) {
    sd_stop("the covariates are collinear among the units of a group-time ",
            "cell; drop some controls from the fit")
  }
  # compact influence functions: each cell's units (shared by the outcomes)
  # and each outcome's values there (cs_psi())
  psi <- lapply(r$vals, function(v) {
    structure(list(units = r$units, start = r$start, vals = v, n_units = pan$n_units),
              class = "smartdid_cs_psi")
  })
  list(att = r$att, psi = psi, ss = r$ss, no_control = sum(r$status == 1L))
}

# The 2x2 of every outcome of a cell, the propensity score fitted once.
cs_2x2_outcomes <- function(Y, fun, treat, X, w, covariates) {
  ps <- if (covariates == "dr") rc_logit(treat, X, w %||% rep(1, length(treat))) else NULL
  rs <- lapply(seq_len(ncol(Y)), function(j) fun(Y[, j], ps))
  list(att = vapply(rs, `[[`, 1, "att"),
       psi = matrix(vapply(rs, `[[`, numeric(nrow(Y)), "psi"), nrow(Y)))
}

# One cell of a balanced panel: the 2x2 on outcome changes, covariates and
# weights of the earlier of the two periods (as the did package).
cs_cell_panel <- function(pan, cell, sel, covariates) {
  if (!any(sel$control)) return(NULL)
  use <- which(sel$treated | sel$control)
  ti <- cell$ti
  bi <- cell$bi
  early <- min(ti, bi)
  dy <- matrix(pan$Y[use, ti, ] - pan$Y[use, bi, ], length(use))
  X <- if (covariates == "none") NULL else cbind(1, pan$X[use, , early])
  w <- if (pan$weighted) pan$W[use, early] else NULL
  D <- as.numeric(sel$treated[use])
  r <- if (covariates == "none") {
    cs_2x2_outcomes(dy, function(v, ps) did2x2(v, D, X, covariates, w = w, ps = ps),
                    D, X, w, covariates)
  } else {
    # in C (src/cs_drdid.c): the formulas of did2x2() on cross-products
    .Call(C_sd_cs_2x2, dy, D, X, w, if (covariates == "or") 1L else 2L, 0.995) %||%
      sd_stop("the covariates are collinear among the units of a group-time ",
              "cell; drop some controls from the fit")
  }
  list(att = r$att, units = use, psi = (pan$n_units / length(use)) * r$psi)
}

# One cell from rows (unbalanced panel, repeated cross-sections): the
# repeated cross-section 2x2 on the rows of both periods, the influence
# function summed by unit.
cs_cell_rc <- function(pan, cell, sel, covariates) {
  rows <- c(pan$by_period[[cell$ti]], pan$by_period[[cell$bi]])
  u <- pan$unit[rows]
  D <- sel$treated[u]
  rows <- rows[D | sel$control[u]]
  u <- pan$unit[rows]
  D <- as.numeric(sel$treated[u])
  post <- as.numeric(pan$ti[rows] == cell$ti)
  if (!all(c(sum(D * post), sum(D * (1 - post)), sum((1 - D) * post),
             sum((1 - D) * (1 - post))) > 0)) {
    return(NULL)
  }
  X <- if (covariates == "none") NULL else cbind(1, pan$X[rows, , drop = FALSE])
  w <- if (pan$weighted) pan$w[rows] else NULL
  r <- cs_2x2_outcomes(pan$y[rows, , drop = FALSE],
                       function(v, ps) did2x2_rc(v, post, D, X, w, covariates, ps = ps),
                       D, X, w, covariates)
  s <- rowsum((pan$n_units / length(rows)) * r$psi, u)
  list(att = r$att, units = as.integer(rownames(s)), psi = s)
}
