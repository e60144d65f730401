# Argument checks of simulate_smartcity().

sim_check_args <- function(seed, effect, heterogeneity, selection, confounding,
                           upgrading, other_policies, noise, persistence,
                           waves, calibrate, truth) {
  num1 <- function(x, arg) {
    if (!is.numeric(x) || length(x) != 1L || !is.finite(x)) {
      sd_stop("'", arg, "' must be a single finite number")
    }
  }
  num1(seed, "seed")
  if (abs(seed) > .Machine$integer.max) {
    sd_stop("'seed' must lie between -", .Machine$integer.max, " and ",
            .Machine$integer.max, " (set.seed() takes an integer)")
  }
  if (!is.numeric(effect) || !length(effect) || any(!is.finite(effect))) {
    sd_stop("'effect' must be a non-empty numeric vector of finite effects ",
            "(log points), one per year since adoption")
  }
  het_names <- c("Ind_Pro", "Digital", "Green_patent", "Human_capital",
                 "Gdp_pc", "Agglomeration", "Env_reg", "east", "northeast",
                 "central", "west", "south", "tier2plus")
  if (is.null(heterogeneity) ||
      (is.numeric(heterogeneity) && length(heterogeneity) == 1L &&
         is.null(names(heterogeneity)) && isTRUE(heterogeneity == 0))) {
    heterogeneity <- stats::setNames(numeric(0), character(0))
  }
  if (!is.numeric(heterogeneity) || any(!is.finite(heterogeneity)) ||
      (length(heterogeneity) && is.null(names(heterogeneity)))) {
    sd_stop("'heterogeneity' must be a named numeric vector (or NULL for ",
            "none), such as c(Ind_Pro = 0.3, east = 0.25)")
  }
  bad <- setdiff(names(heterogeneity), het_names)
  if (length(bad)) {
    sd_stop("'heterogeneity' has unknown name(s) ",
            paste0("'", bad, "'", collapse = ", "), "; use ",
            paste0("'", het_names, "'", collapse = ", "))
  }
  h <- stats::setNames(numeric(length(het_names)), het_names)
  h[names(heterogeneity)] <- heterogeneity
  num1(selection, "selection")
  num1(confounding, "confounding")
  num1(upgrading, "upgrading")
  num1(noise, "noise")
  if (noise < 0) sd_stop("'noise' must be >= 0")
  num1(persistence, "persistence")
  if (persistence < 0 || persistence >= 1) {
    sd_stop("'persistence' must lie in [0, 1)")
  }
  pol_names <- c("Lowc", "Inno", "Tanp")
  if (!is.numeric(other_policies) || length(other_policies) != 3L ||
      !setequal(names(other_policies) %||% "", pol_names) ||
      any(!is.finite(other_policies))) {
    sd_stop("'other_policies' must be a numeric vector named \"Lowc\", ",
            "\"Inno\" and \"Tanp\" (effects on Carbon, log points)")
  }
  wy <- suppressWarnings(as.integer(names(waves)))
  if (!is.numeric(waves) || !length(waves) || length(wy) != length(waves) ||
      anyNA(wy) ||
      any(!is.finite(waves)) || any(waves < 1) || any(waves != round(waves)) ||
      any(wy < 2004 | wy > 2020) || anyDuplicated(wy) || sum(waves) > 220) {
    sd_stop("'waves' must give whole numbers of pilots named by distinct ",
            "adoption years in 2004-2020, at most 220 in total, such as ",
            "c(`2012` = 37, `2013` = 31, `2014` = 18)")
  }
  check_flag(calibrate, "calibrate")
  check_flag(truth, "truth")
  list(seed = seed, effect = as.double(effect), heterogeneity = h,
       selection = selection, confounding = confounding, upgrading = upgrading,
       other_policies = other_policies[pol_names], noise = noise,
       persistence = persistence, waves = waves[order(wy)],
       calibrate = calibrate, truth = truth)
}

sim_check_mechanism <- function(moderation, ind_pro_effect, productivity, cei) {
  for (a in list(list(moderation, "moderation"),
                 list(ind_pro_effect, "ind_pro_effect"))) {
    if (!is.numeric(a[[1]]) || length(a[[1]]) != 1L || !is.finite(a[[1]])) {
      sd_stop("'", a[[2]], "' must be a single finite number")
    }
  }
  named <- function(x, arg, nms, example) {
    if (!is.numeric(x) || length(x) != length(nms) ||
        !setequal(names(x) %||% "", nms) || any(!is.finite(x))) {
      sd_stop("'", arg, "' must be a numeric vector named ",
              paste0("\"", nms, "\"", collapse = ", "), ", such as ", example)
    }
    x[nms]
  }
  productivity <- named(productivity, "productivity",
                        c("level", "growth", "dispersion", "shocks"),
                        paste("c(level = 7.5, growth = -0.0025,",
                              "dispersion = 0.035, shocks = 0.03)"))
  if (productivity[["level"]] <= 0 || productivity[["dispersion"]] < 0 ||
      productivity[["shocks"]] < 0) {
    sd_stop("'productivity' must have level > 0, dispersion >= 0 and ",
            "shocks >= 0")
  }
  cei <- named(cei, "cei", c("level", "trend", "noise"),
               "c(level = 0.18, trend = -0.01, noise = 0.14)")
  if (cei[["level"]] <= 0 || cei[["noise"]] < 0) {
    sd_stop("'cei' must have level > 0 and noise >= 0")
  }
  list(moderation = moderation, ind_pro_effect = ind_pro_effect,
       productivity = productivity, cei = cei)
}

sim_check_upgrading <- function(upgrading_sd, ind_pro_controls) {
  if (!is.numeric(upgrading_sd) || length(upgrading_sd) != 1L ||
      !is.finite(upgrading_sd) || upgrading_sd < 0) {
    sd_stop("'upgrading_sd' must be a single finite number >= 0")
  }
  ctrl <- c("Wage", "Pinf", "Fiscal", "Infra", "Fdi", "Sic", "Green")
  if (is.null(ind_pro_controls)) ind_pro_controls <- numeric(0)
  if (!is.numeric(ind_pro_controls) || any(!is.finite(ind_pro_controls)) ||
      (length(ind_pro_controls) && (is.null(names(ind_pro_controls)) ||
         !all(names(ind_pro_controls) %in% ctrl) ||
         anyDuplicated(names(ind_pro_controls))))) {
    sd_stop("'ind_pro_controls' must be a numeric vector named by distinct ",
            "controls among ", paste0("\"", ctrl, "\"", collapse = ", "),
            " (or NULL for none), such as c(Wage = 0.5)")
  }
  load <- stats::setNames(numeric(length(ctrl)), ctrl)
  load[names(ind_pro_controls)] <- ind_pro_controls
  list(upgrading_sd = upgrading_sd, ind_pro_controls = load)
}
