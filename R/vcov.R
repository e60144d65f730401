# Sandwich variances on the demeaned design with the small-sample rules of
# fixest (and reghdfe): which fixed effects count in K, the G/(G-1) factor,
# and the degrees of freedom of the t distribution.

#' Small-sample rules for the variance
#'
#' The defaults reproduce fixest's defaults (and reghdfe's): fixed effects
#' nested in a cluster variable do not count in the number of parameters K,
#' the cluster factor G/(G-1) uses the smallest number of clusters, and
#' p-values come from a t distribution with G-1 degrees of freedom.
#'
#' @param adj Apply (n-1)/(n-K) to clustered variances (n/(n-K) to HC1, and
#'   divide the iid residual variance by n-K instead of n-1).
#' @param fixef_K How fixed effects enter K: `"nested"` (those nested in a
#'   cluster variable drop out; when all of them do, the constant they
#'   absorbed still counts, K = p + 1), `"full"` (all of them) or `"none"`
#'   (K = p). Applies to every variance type; without clustering nothing is
#'   nested.
#' @param cluster_adj Apply G/(G-1).
#' @param t_df `"cluster"` for G-1 degrees of freedom when clustering (the
#'   residual degrees of freedom n-K otherwise), `"residual"` for n-K always
#'   (K as above),
#'   `"normal"` for the normal distribution.
#' @return A list of class `smartdid_ssc`, for the `ssc` argument of
#'   [smartdid()].
#' @examples
#' ssc_rules()
#' ssc_rules(fixef_K = "full")
#' @export
ssc_rules <- function(adj = TRUE, fixef_K = c("nested", "full", "none"),
                      cluster_adj = TRUE, t_df = c("cluster", "residual", "normal")) {
  check_flag(adj, "adj")
  check_flag(cluster_adj, "cluster_adj")
  structure(list(adj = adj, fixef_K = sd_match_arg(fixef_K, c("nested", "full", "none"), "fixef_K"),
                 cluster_adj = cluster_adj, t_df = sd_match_arg(t_df, c("cluster", "residual", "normal"), "t_df")),
            class = "smartdid_ssc")
}

#' @export
print.smartdid_ssc <- function(x, ...) {
  cat(format_ssc(x), "\n", sep = "")
  invisible(x)
}

format_ssc <- function(x) {
  paste0("adj = ", x$adj, ", fixef_K = \"", x$fixef_K, "\", cluster_adj = ",
         x$cluster_adj, ", t_df = \"", x$t_df, "\"")
}

# Is each fixed effect nested in at least one cluster variable?
fe_nested <- function(fe, fe_nlev, clusters) {
  out <- logical(length(fe))
  for (f in seq_along(fe)) {
    for (cl in clusters) {
      if (identical(cl, fe[[f]])) {
        out[f] <- TRUE
        break
      }
      # a nested effect has at least as many levels as there are clusters
      if (fe_nlev[f] < max(cl)) next
      first <- match(seq_len(fe_nlev[f]), fe[[f]])
      if (all(cl == cl[first][fe[[f]]])) {
        out[f] <- TRUE
        break
      }
    }
  }
  out
}

# Number of parameters: regressors plus free fixed-effect levels (one level
# of every fixed effect after the first is redundant in a connected panel).
count_K <- function(p, fe_nlev, counted) {
  m <- sum(counted)
  p + sum(fe_nlev[counted]) - max(0L, m - 1L)
}

# K under the small-sample rules: "full" counts every fixed-effect level,
# "none" none of them, "nested" leaves out the fixed effects nested in a
# cluster variable (all of them count without clustering). When every fixed
# effect drops out, the constant they absorbed still counts (K = p + 1), as
# in fixest.
ssc_K <- function(p, fe, fe_nlev, clusters, ssc) {
  all_fe <- rep(TRUE, length(fe_nlev))
  counted <- switch(ssc$fixef_K,
                    nested = if (length(clusters)) !fe_nested(fe, fe_nlev, clusters) else all_fe,
                    full = all_fe,
                    none = !all_fe)
  K <- count_K(p, fe_nlev, counted)
  if (ssc$fixef_K == "nested" && length(fe_nlev) && !any(counted)) K <- K + 1L
  K
}

# THE variance module of the package: every sandwich (the fit, the
# re-estimations of the robust estimators, stata_constant(), the
# heterogeneity test, the placebo draws) takes its small-sample factor from
# ssc_factor(), its iid residual variance from iid_sigma2() and its
# (two-way) cluster structure from cluster_terms() / sd_meat().

# The small-sample factor of a variance type under rules `ssc` (fixest's):
# iid and clustered (n - 1) / (n - K), HC1 n / (n - K) (each only with
# adj = TRUE), times G / (G - 1) for clusters with cluster_adj = TRUE.
ssc_factor <- function(type, n, K, G = NULL, ssc = ssc_rules()) {
  fac <- if (!ssc$adj) 1 else if (type == "hc1") n / (n - K) else (n - 1) / (n - K)
  if (type == "cluster" && ssc$cluster_adj) fac <- fac * G / (G - 1)
  fac
}

# The iid residual variance: SSR / (n - 1) times the small-sample factor,
# i.e. SSR / (n - K) with adj = TRUE and SSR / (n - 1) without (fixest).
iid_sigma2 <- function(ssr, n, K, ssc = ssc_rules()) {
  ssr / (n - 1) * ssc_factor("iid", n, K, ssc = ssc)
}

# The cluster terms of a (one- or two-way) clustered meat: the codes and
# numbers of levels of each cluster variable and, with two, of their
# intersection, with the signs of V1 + V2 - V12.
cluster_terms <- function(clusters, cluster_G) {
  codes <- lapply(clusters, function(x) as.integer(x))
  G <- as.integer(cluster_G)
  sign <- rep(1, length(codes))
  if (length(codes) == 2L) {
    both <- group_codes(paste(clusters[[1]], clusters[[2]]))
    codes <- c(codes, list(as.integer(as.vector(both))))
    G <- c(G, length(attr(both, "levels")))
    sign <- c(1, 1, -1)
  }
  list(codes = unname(codes), G = G, sign = sign)
}

# The meat of a sandwich on regressors Z with residuals e (weights w):
# HC1-style, or clustered one or two ways (V1 + V2 - V12). `meat1`: the
# meat of the first cluster variable when the caller already has it.
sd_meat <- function(Z, e, w, type, clusters = NULL, cluster_G = NULL, meat1 = NULL) {
  if (type == "hc1") return(.Call(C_sd_meat_hc, Z, e, w))
  ct <- cluster_terms(clusters, cluster_G)
  meat <- 0
  for (j in seq_along(ct$codes)) {
    m <- if (j == 1L && !is.null(meat1)) meat1 else
      .Call(C_sd_meat_cluster, Z, e, w, ct$codes[[j]], ct$G[[j]])
    meat <- meat + ct$sign[j] * m
  }
  meat
}

# `meat1`: the meat of the first cluster variable when the caller has it.
sd_vcov <- function(Xd, e, w, bread, type, clusters, cluster_G, fe, fe_nlev, ssc,
                    meat1 = NULL) {
  n <- length(e)
  p <- ncol(Xd)
  K <- ssc_K(p, fe, fe_nlev, if (type == "cluster") clusters, ssc)
  if (type == "iid") {
    ssr <- if (is.null(w)) drop(crossprod(e)) else sum(w * e^2)
    V <- bread * iid_sigma2(ssr, n, K, ssc)
    return(list(V = V, K = K, factor = 1, df = n - K, G = NULL))
  }
  if (type == "hc1") {
    fac <- ssc_factor("hc1", n, K, ssc = ssc)
    return(list(V = fac * bread %*% sd_meat(Xd, e, w, "hc1") %*% bread, K = K,
                factor = fac, df = n - K, G = NULL))
  }
  G <- min(cluster_G)
  if (G < 2L) {
    sd_stop("clustered standard errors need at least two clusters; '",
            names(cluster_G)[which.min(cluster_G)] %||% "cluster",
            "' has only one in the estimation sample: use vcov = \"hc1\" ",
            "or another 'cluster'")
  }
  fac <- ssc_factor("cluster", n, K, G, ssc)
  meat <- sd_meat(Xd, e, w, "cluster", clusters, cluster_G, meat1)
  V <- fac * bread %*% meat %*% bread
  if (length(clusters) == 2L && any(diag(V) < 0)) {
    warning("the two-way clustered variance has negative diagonal entries ",
            "(V1 + V2 - V12 is not positive definite here); their std. errors ",
            "are NaN", call. = FALSE)
  }
  list(V = V, K = K, factor = fac, df = G - 1, G = G)
}

# Per-cluster influence of the coefficients under a clustered variance: for
# each cluster term of cluster_terms() (one per cluster variable, and their
# intersection with two), the matrix sqrt(factor) * S %*% bread, S holding
# one row per cluster (codes 1..G, in that order) with the score sum over
# its rows of x_i w_i e_i. With `sign` from cluster_terms(),
# sum_j sign_j crossprod(psi_j) is sd_vcov()'s clustered variance
# (V1 + V2 - V12 with two cluster variables).
sd_scores <- function(Xd, e, w, bread, clusters, cluster_G, factor) {
  ct <- cluster_terms(clusters, cluster_G)
  u <- if (is.null(w)) e else w * e
  psi <- lapply(seq_along(ct$codes), function(k) {
    # the score sums in one pass in C, no n x p temporary (bt_sums(),
    # R/boottest_prep.R: the wild bootstrap's group sums)
    S <- bt_sums(Xd, u, ct$codes[[k]], ct$G[k]) %*% bread * sqrt(factor)
    dimnames(S) <- list(NULL, colnames(Xd))
    S
  })
  list(psi = psi, sign = ct$sign, codes = ct$codes)
}
