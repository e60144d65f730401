# Reproducible random draws that leave the user's random stream alone: the
# one helper for every function with a `seed` argument (placebo(),
# att_gt()'s multiplier bootstrap).

check_seed <- function(seed) {
  if (!is.null(seed) && (!is.numeric(seed) || length(seed) != 1L || !is.finite(seed))) {
    sd_stop("'seed' must be NULL or a single number, as for set.seed()")
  }
  invisible(seed)
}

# Evaluate `expr` after set.seed(seed), leaving the session's stream as it was.
with_seed <- function(seed, expr) {
  if (is.null(seed)) return(expr)
  env <- globalenv()
  had <- exists(".Random.seed", envir = env, inherits = FALSE)
  old <- if (had) get(".Random.seed", envir = env, inherits = FALSE)
  on.exit(if (had) assign(".Random.seed", old, envir = env)
          else if (exists(".Random.seed", envir = env, inherits = FALSE))
            rm(".Random.seed", envir = env))
  set.seed(seed)
  expr
}
