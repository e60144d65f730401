# A simulated panel of the study's shape with a known data-generating process:
# 221 cities x 2003-2020, 86 smart-city pilots in three waves, the covariates
# calibrated to the published balance table, and a dynamic, heterogeneous
# effect of the pilot on log carbon emissions.

#' Simulate the smart-city panel
#'
#' Generates a balanced panel of 221 Chinese-style prefecture cities observed
#' 2003-2020 with the structure of the smart-city study: 86 pilot cities
#' adopting in three waves (2012, 2013, 2014) and 135 never-treated cities,
#' seven control variables, the carbon-emission and industrial-upgrading
#' indices with their raw inputs, the other pilot policies and the variables
#' used to split the sample. The effect of the pilot is known, so the function
#' serves Monte Carlo studies as well as examples. The shipped data
#' [smartcity] are `simulate_smartcity(seed = 76)`: of the 200 panels
#' `seed = 1:200` of these defaults, the one whose replication agrees best
#' with the article (55 of its 67 coefficient cells in the same significance
#' class; over the 200 seeds the score ranges from 36 to 55, quartiles 45
#' and 51, median 48, mean 47.7), among the 51 seeds whose headline t values
#' are within a factor 1.5 of the published ones and whose published-5 %
#' cells all keep their sign. The seed was chosen for that agreement; the
#' data-generating process below was not adjusted to it. The script
#' `data-raw/seed-scores.R` in the package sources recomputes the scores.
#'
#' @section Data-generating process:
#' \describe{
#'   \item{Cities}{A fixed layout: 30 provinces in four regions (east 56,
#'     northeast 28, central 65, west 72 cities; south 112, north 109), 12
#'     central cities and 20 cities of the second tier or above. Each city has
#'     a latent development level `u` (standard normal, higher in the east,
#'     the south, central and large cities).}
#'   \item{Selection}{The 86 pilots are the cities with the largest
#'     `selection * u + e`, `e` standard normal; their adoption years are
#'     assigned at random in the sizes given by `waves`.}
#'   \item{Covariates}{Each control is a common trend plus a loading on `u`,
#'     a city effect and an AR(1) shock, plus `ind_pro_controls[x]` times the
#'     part of `Ind_Pro` that the sector productivity shocks move (see "Raw
#'     inputs"; net of city and year means, to first order), so that wages
#'     move with labour productivity: `Ind_Pro` and the controls co-move,
#'     and leaving the controls out of the mechanism model of Table 6 biases
#'     it as in the article (the coefficient of `Ind_Pro` turns positive, the
#'     interaction more negative). With `calibrate = TRUE` each is then
#'     rescaled and shifted by treatment group (a shift of city levels, which
#'     the city effects absorb) to reproduce the treated and control means and
#'     the standardised bias of the unmatched rows of the study's Table 2.}
#'   \item{Outcome}{`Carbon = a_city + d_year + g'X + confounding * zF *
#'     ramp + Lowc, Inno, Tanp effects + ind_pro_effect * Ind_Pro + tau +
#'     AR(1) noise`, with `g` = 0.65,
#'     0.2, -0.1, 0.15, 0.5, 0.05, -0.3 for `Wage`, `Pinf`, `Fiscal`, `Infra`,
#'     `Fdi`, `Sic`, `Green`, and `zF` the
#'     city's standardised mean fiscal autonomy and `ramp` rises linearly
#'     from 0 in 2011 to 1 in 2020 (a shock that hits fiscally strong cities
#'     after 2012 whether or not they are pilots: matching on the covariates
#'     removes most of the bias it causes). The city and year effects are
#'     scaled so that the mean of `Carbon` is about 5.26, the level implied by
#'     the published constant.}
#'   \item{Effect}{`tau = m_city * effect[k + 1]` at `k = year - pilot_year
#'     >= 0` (the last value of `effect` beyond its length), 0 before
#'     adoption and for never-treated cities. The multiplier `m_city =
#'     exp(h' z_city)`, normalised to average 1 over the pilots, where `z`
#'     holds the standardised city means of the moderators named in
#'     `heterogeneity` (pre-2012 `Ind_Pro`, `Digital`, `Green_patent`,
#'     `Human_capital`, `Gdp_pc`, `Agglomeration`, `Env_reg`) and the 0/1
#'     indicators `east`, `northeast`, `central`, `west`, `south` and
#'     `tier2plus` (the four regions may all be given: the normalisation
#'     removes the common part). Hence `effect` is the pilots' average effect
#'     by years since adoption. The mechanism adds `m_city * moderation *
#'     (Ind_Pro - mean)`, the mean taken over the treated city-years: the
#'     effect is stronger (for `moderation < 0`) where industrial upgrading
#'     is higher, and more so in cities with a large multiplier, which is
#'     what the interaction `Smart_Policy x Ind_Pro` of the study's Tables
#'     6-9 measures. The estimated interaction also picks up part of the
#'     effect's growth with time since adoption whenever `Ind_Pro` trends
#'     (`growth` of `productivity` sets that trend), and part of the direct
#'     effect `ind_pro_effect`, because the mechanism model holds the effect
#'     constant over time; see the replication vignette.}
#'   \item{Raw inputs}{Total emissions `exp(Carbon)` are split into gas, LPG
#'     and electricity parts (shares with city and time variation) and
#'     converted into quantities with the emission factors and the year's
#'     coal share; the quantities are rounded as a yearbook would and
#'     `Carbon` is recomputed from them, so that `Carbon ==
#'     log(carbon_emissions(gas, lpg, electricity, coal_share))` exactly.
#'     Likewise GDP, sector shares and sector labour productivities give the
#'     value added and employment of the three sectors, and `Ind_Pro ==
#'     industrial_upgrading(...)` of the rounded columns. Sector labour
#'     productivity is `productivity["level"]` (secondary sector; primary 21
#'     %, tertiary 80 % of it) in 2011-2012, grows by `productivity["growth"]`
#'     log points a year and spreads across cities by
#'     `productivity["dispersion"]` (log points, partly tied to `u`); each
#'     sector's productivity has AR(1) shocks (autocorrelation 0.7, standard
#'     deviation `productivity["shocks"]` log points). The pilot raises the
#'     productivity of the secondary and tertiary sectors by `upgrading +
#'     upgrading_sd * z_city` log points per year since adoption (up to nine
#'     years), `z_city` standard normal: the pilots differ in how much they
#'     upgrade, and this part of `Ind_Pro` does not move the controls.}
#'   \item{CEI}{Carbon intensity `CEI = cei["level"] * exp(cei["trend"] *
#'     (year - 2012) + c_city + tau + confounding part + e)`, `e` independent
#'     normal with standard deviation `cei["noise"]`; missing in 2020. The
#'     pilot's effect on `CEI` is thus about `cei["level"]` times its effect
#'     on `Carbon` (-0.024 in `CEI` units at the default level 0.18).}
#' }
#'
#' @param seed Random seed (the default, 76, gives the shipped [smartcity]
#'   panel). The global random-number state is restored on exit, so calling
#'   the function does not disturb the user's stream.
#' @param effect The pilots' average effect on `Carbon` (log points) in the
#'   adoption year, one year later, and so on; the last value holds
#'   afterwards. A single number gives a constant effect. The default grows
#'   from -0.011 in the adoption year to -0.40 eight years later.
#' @param heterogeneity Named coefficients of the log effect multiplier on
#'   the standardised moderators and indicators listed under
#'   "Data-generating process"; names left out count as 0. `NULL` or `0`
#'   makes the effect the same in every pilot city.
#' @param selection Strength of the selection of pilots on development
#'   (0: pilots drawn at random).
#' @param confounding Size, in log points per standard deviation of fiscal
#'   autonomy, of the post-2012 shock common to pilots and non-pilots (0: none,
#'   the two-way fixed-effects estimator is then unbiased for a constant
#'   effect).
#' @param upgrading Effect of the pilot on the log labour productivity of the
#'   secondary and tertiary sectors, per year since adoption (average over
#'   the pilots).
#' @param upgrading_sd Standard deviation of that effect across pilot cities
#'   (log points per year; 0: the same in every pilot).
#' @param moderation Change of the pilot's effect on `Carbon` per unit of
#'   `Ind_Pro` above the treated city-years' mean, scaled by the city's
#'   multiplier (the mechanism of Tables 6-9; 0: none).
#' @param ind_pro_effect Direct effect of `Ind_Pro` on `Carbon` in every
#'   city-year (log points per unit).
#' @param ind_pro_controls Loadings of the controls on the productivity-shock
#'   part of `Ind_Pro` (each control's change per unit of it, before the
#'   calibration to Table 2 rescales the control): a numeric vector named by
#'   any of `Wage`, `Pinf`, `Fiscal`, `Infra`, `Fdi`, `Sic`, `Green`; names
#'   left out count as 0, `NULL` for none.
#' @param productivity Sector labour productivity: a numeric vector named
#'   `level` (\eqn{10^4}{10^4} yuan per worker in the secondary sector in
#'   2011-2012), `growth` (log points a year), `dispersion` (spread of the
#'   city levels, log points) and `shocks` (standard deviation of the AR(1)
#'   shocks, log points). A small spread makes `Ind_Pro` nearly collinear
#'   with its level, as the study's Table 6 implies (there the policy's own
#'   coefficient is barely significant beside the interaction).
#' @param other_policies Effects on `Carbon` of the low-carbon city pilot,
#'   the innovative city pilot and the carbon-trading pilot: a numeric vector
#'   named `Lowc`, `Inno`, `Tanp`.
#' @param noise Standard deviation of the stationary AR(1) noise of `Carbon`.
#' @param persistence Its autocorrelation, in \[0, 1).
#' @param cei The alternative outcome (carbon intensity, Table 4): a numeric
#'   vector named `level` (its level in 2012, Mt CO2 per \eqn{10^8}{10^8}
#'   yuan), `trend` (log points a year) and `noise` (standard deviation of
#'   its independent log noise).
#' @param waves Number of pilots adopting in each wave, named by the adoption
#'   year (years within 2004-2020; at most 220 pilots in total).
#' @param calibrate Rescale the covariates to the published Table 2 moments
#'   (see "Data-generating process").
#' @param truth Add the column `tau`, each city-year's true effect of the
#'   pilot on `Carbon`.
#' @return A data frame, one row per city and year (3,978 rows), sorted by
#'   city and year, with the columns documented in [smartcity] (and `tau` if
#'   `truth = TRUE`). The attribute `"params"` records the arguments.
#' @seealso [smartcity] for the columns, [carbon_emissions()],
#'   [industrial_upgrading()].
#' @examples
#' # a constant effect of -0.2, the same in every city, no confounding
#' d <- simulate_smartcity(seed = 1, effect = -0.2, heterogeneity = NULL,
#'                         confounding = 0,
#'                         other_policies = c(Lowc = 0, Inno = 0, Tanp = 0),
#'                         truth = TRUE)
#' fit <- smartdid(Carbon ~ Wage + Pinf + Fiscal + Infra + Fdi + Sic + Green,
#'                 data = d, id = "city", time = "year", treat = "Smart_Policy")
#' coef(fit)["Smart_Policy"]   # close to the true -0.2
#' mean(d$tau[d$Smart_Policy == 1])
#' @export
simulate_smartcity <- function(seed = 76,
                               effect = c(-0.011, -0.032, -0.092, -0.157,
                                          -0.205, -0.259, -0.324, -0.378,
                                          -0.4),
                               heterogeneity = c(Digital = 0.1,
                                                 Green_patent = 0.06,
                                                 Human_capital = 0.06,
                                                 Gdp_pc = 0.06,
                                                 Agglomeration = 0.1,
                                                 Env_reg = 0.1, east = 0.16,
                                                 northeast = -0.03,
                                                 central = 0.23, west = 0.09,
                                                 south = 0.34, tier2plus = -0.53),
                               selection = 1, confounding = -0.1,
                               upgrading = 0.002, upgrading_sd = 0.007,
                               moderation = -0.07, ind_pro_effect = -0.12,
                               ind_pro_controls = c(Wage = 3.4),
                               productivity = c(level = 7.5, growth = -0.0065,
                                                dispersion = 0.072,
                                                shocks = 0.025),
                               other_policies = c(Lowc = -0.03, Inno = -0.07,
                                                  Tanp = 0.06),
                               noise = 0.1, persistence = 0.3,
                               cei = c(level = 0.18, trend = -0.01, noise = 0.14),
                               waves = c(`2012` = 37, `2013` = 31, `2014` = 18),
                               calibrate = TRUE, truth = FALSE) {
  args <- sim_check_args(seed, effect, heterogeneity, selection, confounding,
                         upgrading, other_policies, noise, persistence, waves,
                         calibrate, truth)
  args <- c(args, sim_check_mechanism(moderation, ind_pro_effect, productivity,
                                      cei),
            sim_check_upgrading(upgrading_sd, ind_pro_controls))
  restore <- sim_seed(seed)
  on.exit(restore(), add = TRUE)

  lay <- smartcity_layout()
  n <- nrow(lay)
  years <- sim_years()
  nt <- length(years)
  tt <- matrix(seq_len(nt) - 1, n, nt, byrow = TRUE)

  # cities: development, size, pilots and their waves
  reg_shift <- c(east = 0.45, northeast = -0.1, central = -0.05, west = -0.35)
  u <- stats::rnorm(n) + reg_shift[lay$region] + 0.15 * lay$south +
    1.0 * lay$central_city + 0.6 * lay$tier2plus
  u <- as.vector(scale(u))
  size <- 0.45 * stats::rnorm(n) + 0.6 * lay$central_city +
    0.3 * lay$tier2plus + 0.2 * u
  score <- selection * u + stats::rnorm(n)
  pilots <- order(-score)[seq_len(sum(args$waves))]
  pilot_year <- rep(NA_integer_, n)
  pilot_year[pilots] <- rep(as.integer(names(args$waves)),
                            args$waves)[sample.int(length(pilots))]
  pilot <- as.integer(!is.na(pilot_year))
  yr <- matrix(years, n, nt, byrow = TRUE)
  ev <- yr - pilot_year                     # years since adoption (NA: never)
  D <- ifelse(is.na(ev), 0L, as.integer(ev >= 0))

  econ <- sim_economy(u, size, lay, tt, ev, upgrading, args$productivity,
                      args$upgrading_sd)
  X <- sim_covariates(u, pilot, tt, calibrate,
                      sim_ind_movement(econ$shock, args$ind_pro_controls))
  split <- sim_split_vars(u, lay, tt, econ)
  pol <- sim_other_policies(u, pilot, lay, yr)

  # the effect of the pilot
  m <- sim_multiplier(args$heterogeneity, lay, econ, split, pilot)
  path <- args$effect
  k <- pmin(pmax(ev, 0), length(path) - 1) + 1
  tau <- ifelse(D == 1L, m * path[ifelse(is.na(k), 1, k)], 0)
  # the mechanism: the effect is larger where Ind_Pro is above the pilots'
  # post-adoption mean (a slope per unit of Ind_Pro, scaled by the multiplier)
  if (args$moderation != 0) {
    ind_ref <- mean(econ$ind[D == 1L])
    tau <- tau + ifelse(D == 1L, m * args$moderation * (econ$ind - ind_ref), 0)
  }

  # the outcome
  zF <- rowMeans(X$Fiscal)
  zF <- (zF - mean(zF)) / stats::sd(zF)
  ramp <- pmin(pmax(yr - 2011, 0), 9) / 9
  conf <- confounding * zF * ramp
  gam <- c(Wage = 0.65, Pinf = 0.2, Fiscal = -0.1, Infra = 0.15, Fdi = 0.5,
           Sic = 0.05, Green = -0.3)
  xb <- Reduce(`+`, Map(function(x, g) g * x, X[names(gam)], gam))
  a_city <- 0.4 * size + 0.1 * u + 0.25 * stats::rnorm(n)
  d_year <- 0.7 * (1 - exp(-tt / 6)) / (1 - exp(-17 / 6))
  eps <- sim_ar1(n, nt, persistence, noise)
  pol_eff <- args$other_policies
  carbon <- a_city + d_year + xb + conf + pol_eff[["Lowc"]] * pol$Lowc +
    pol_eff[["Inno"]] * pol$Inno + pol_eff[["Tanp"]] * pol$Tanp +
    args$ind_pro_effect * econ$ind + tau + eps
  carbon <- carbon - mean(carbon) + 5.26
  energy <- sim_energy(carbon, u, tt, years)
  cei <- sim_cei(u, size, tt, tau, conf, args$cei)
  cei[, years == 2020] <- NA

  flat <- function(M) as.vector(t(M))     # city-major, then year
  rep_city <- function(x) rep(x, each = nt)
  out <- data.frame(
    city = rep_city(lay$city), province = rep_city(lay$province),
    region = rep_city(lay$region), south = rep_city(lay$south),
    central_city = rep_city(lay$central_city),
    tier2plus = rep_city(lay$tier2plus),
    year = rep(as.integer(years), n),
    pilot_year = rep_city(pilot_year), pilot = rep_city(pilot),
    Smart_Policy = flat(D),
    Carbon = NA_real_, CEI = round(flat(cei), 6),
    Wage = round(flat(X$Wage), 4), Pinf = round(flat(X$Pinf), 5),
    Fiscal = round(flat(X$Fiscal), 4), Infra = round(flat(X$Infra), 4),
    Fdi = round(flat(X$Fdi), 6), Sic = round(flat(X$Sic), 4),
    Green = round(flat(X$Green), 4),
    Ind_Pro = NA_real_,
    Lowc = flat(pol$Lowc), Inno = flat(pol$Inno), Tanp = flat(pol$Tanp),
    Digital = rep_city(split$Digital),
    Green_patent = round(flat(split$Green_patent), 3),
    Human_capital = round(flat(split$Human_capital), 4),
    Gdp_pc = NA_real_,
    Agglomeration = round(flat(split$Agglomeration), 4),
    Env_reg = round(flat(split$Env_reg), 3),
    gas = round(flat(energy$gas), 4), lpg = round(flat(energy$lpg), 4),
    electricity = round(flat(energy$electricity), 2),
    coal_share = rep(sim_coal_share(), n),
    va_primary = round(flat(econ$va[[1]]), 2),
    va_secondary = round(flat(econ$va[[2]]), 2),
    va_tertiary = round(flat(econ$va[[3]]), 2),
    emp_primary = round(flat(econ$emp[[1]]), 2),
    emp_secondary = round(flat(econ$emp[[2]]), 2),
    emp_tertiary = round(flat(econ$emp[[3]]), 2),
    pop = round(flat(econ$pop), 2),
    stringsAsFactors = FALSE
  )
  out$Carbon <- log(carbon_emissions(out$gas, out$lpg, out$electricity,
                                     out$coal_share))
  out$Ind_Pro <- industrial_upgrading(out$va_primary, out$va_secondary,
                                      out$va_tertiary, out$emp_primary,
                                      out$emp_secondary, out$emp_tertiary)
  out$Gdp_pc <- log(1e4 * (out$va_primary + out$va_secondary +
                             out$va_tertiary) / out$pop)
  if (truth) out$tau <- flat(tau)
  attr(out, "params") <- args
  out
}

# ---- argument checks and the random-number state ---------------------------

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

# Set a fixed generator and seed; return a function restoring the old state.
sim_seed <- function(seed) {
  env <- globalenv()
  had <- exists(".Random.seed", envir = env, inherits = FALSE)
  old_seed <- if (had) get(".Random.seed", envir = env, inherits = FALSE)
  old_kind <- RNGkind()
  suppressWarnings(RNGkind("Mersenne-Twister", "Inversion", "Rejection"))
  set.seed(seed)
  function() {
    suppressWarnings(RNGkind(old_kind[1], old_kind[2], old_kind[3]))
    if (had) {
      assign(".Random.seed", old_seed, envir = env)
    } else if (exists(".Random.seed", envir = env, inherits = FALSE)) {
      rm(".Random.seed", envir = env)
    }
  }
}

# ---- the fixed layout -------------------------------------------------------

sim_years <- function() 2003:2020

# Share of coal-fired power in generation, one national value per year: a
# smooth approximation of the published series, not the yearbook figures.
sim_coal_share <- function() {
  c(0.80, 0.81, 0.80, 0.81, 0.81, 0.78, 0.78, 0.77, 0.79, 0.76, 0.75, 0.72,
    0.68, 0.66, 0.65, 0.64, 0.62, 0.61)
}

smartcity_layout <- function() {
  prov <- c("Beijing", "Tianjin", "Hebei", "Shandong",
            "Shanghai", "Jiangsu", "Zhejiang", "Fujian", "Guangdong", "Hainan",
            "Liaoning", "Jilin", "Heilongjiang",
            "Shanxi", "Henan",
            "Anhui", "Jiangxi", "Hubei", "Hunan",
            "Inner Mongolia", "Shaanxi", "Gansu", "Qinghai", "Ningxia",
            "Xinjiang",
            "Guangxi", "Chongqing", "Sichuan", "Guizhou", "Yunnan")
  size <- c(1, 1, 9, 11, 1, 10, 8, 6, 8, 1, 11, 7, 10, 9, 15, 12, 9, 10, 10,
            8, 8, 9, 2, 4, 4, 11, 1, 14, 4, 7)
  groups <- c(4, 6, 3, 2, 4, 6, 5)
  region <- rep(c("east", "east", "northeast", "central", "central", "west",
                  "west"), groups)
  south <- rep(c(0L, 1L, 0L, 0L, 1L, 0L, 1L), groups)
  province <- rep(prov, size)
  num <- unlist(lapply(size, seq_len))
  city <- paste0(gsub(" ", "", province), "-", sprintf("%02d", num))
  central <- c("Beijing-01", "Tianjin-01", "Shanghai-01", "Chongqing-01",
               "Guangdong-01", "Guangdong-02", "Zhejiang-01", "Jiangsu-01",
               "Shandong-01", "Liaoning-01", "Hubei-01", "Sichuan-01")
  tier2 <- c(central, "Jiangsu-02", "Jiangsu-03", "Zhejiang-02",
             "Guangdong-03", "Guangdong-04", "Fujian-01", "Shandong-02",
             "Henan-01")
  lay <- data.frame(city = city, province = province,
                    region = rep(region, size), south = rep(south, size),
                    central_city = as.integer(city %in% central),
                    tier2plus = as.integer(city %in% tier2),
                    stringsAsFactors = FALSE)
  lay[order(lay$city), , drop = FALSE]
}

# ---- building blocks (matrices: cities in rows, years in columns) ----------

# Stationary AR(1) noise with standard deviation `sd`.
sim_ar1 <- function(n, nt, rho, sd) {
  e <- matrix(0, n, nt)
  e[, 1] <- stats::rnorm(n, 0, sd)
  s <- sd * sqrt(1 - rho^2)
  for (j in seq_len(nt)[-1]) e[, j] <- rho * e[, j - 1] + stats::rnorm(n, 0, s)
  e
}

# The published unmatched moments (Table 2): treated mean, control mean,
# standardised bias in percent.
sim_table2 <- function() {
  data.frame(
    name = c("Wage", "Pinf", "Fiscal", "Infra", "Fdi", "Sic", "Green"),
    treated = c(4.5299, 0.1573, 0.4877, 1.1554, 0.0188, 4.0539, 1.5641),
    control = c(4.5058, 0.1484, 0.3973, 1.1092, 0.0174, 3.8698, 1.5558),
    bias = c(18.6, 12.7, 43.2, 21.7, 12.3, 24.0, 11.6),
    stringsAsFactors = FALSE
  )
}

sim_covariates <- function(u, pilot, tt, calibrate, move = NULL) {
  n <- length(u)
  nt <- ncol(tt)
  tc <- tt - mean(tt[1, ])
  city <- function(sd) matrix(stats::rnorm(n, 0, sd), n, nt)
  lu <- function(x) matrix(x * u, n, nt)
  X <- list(
    Wage = 4.515 + 0.0155 * tc + lu(0.021) + city(0.06) +
      sim_ar1(n, nt, 0.7, 0.065),
    Pinf = (0.05 + 0.0125 * tt) * exp(lu(0.09) + city(0.28) +
                                        sim_ar1(n, nt, 0.6, 0.12)),
    Fiscal = 0.39 * exp(-0.008 * tc + lu(0.1) + city(0.38) +
                          sim_ar1(n, nt, 0.7, 0.17)),
    Infra = 1.127 + 0.018 * tc + lu(0.041) + city(0.14) +
      sim_ar1(n, nt, 0.7, 0.08),
    Fdi = (0.019 - 0.0006 * tc) * exp(lu(0.08) + city(0.5) +
                                        sim_ar1(n, nt, 0.6, 0.3)),
    Sic = 3.94 + 0.085 * tc + lu(0.16) + city(0.48) +
      sim_ar1(n, nt, 0.7, 0.22),
    Green = 1.559 + 0.0065 * tc + lu(0.0073) + city(0.035) +
      sim_ar1(n, nt, 0.7, 0.045)
  )
  for (k in names(move)) X[[k]] <- X[[k]] + move[[k]]
  if (!calibrate) return(X)
  tab <- sim_table2()
  tr <- pilot == 1L
  for (i in seq_len(nrow(tab))) {
    x <- X[[tab$name[i]]]
    s_target <- (tab$treated[i] - tab$control[i]) / (tab$bias[i] / 100)
    s_now <- sqrt((stats::var(as.vector(x[tr, ])) +
                     stats::var(as.vector(x[!tr, ]))) / 2)
    b <- s_target / s_now
    x <- x * b
    x[tr, ] <- x[tr, ] - mean(x[tr, ]) + tab$treated[i]
    x[!tr, ] <- x[!tr, ] - mean(x[!tr, ]) + tab$control[i]
    X[[tab$name[i]]] <- x
  }
  X
}

# GDP, population, sector shares and productivities; the pilot raises the
# productivity of the secondary and tertiary sectors.
sim_economy <- function(u, size, lay, tt, ev, upgrading, prod, up_sd = 0) {
  n <- length(u)
  nt <- ncol(tt)
  city <- function(sd) matrix(stats::rnorm(n, 0, sd), n, nt)
  lu <- function(x) matrix(x * u, n, nt)
  growth <- 0.155 * tt - 0.0035 * tt^2               # nominal, slowing
  pop <- exp(5.85 + matrix(0.8 * size, n, nt) + city(0.15) + 0.005 * tt)
  gdp <- exp(5.95 + matrix(size, n, nt) + lu(0.35) + city(0.2) + growth +
               sim_ar1(n, nt, 0.8, 0.04))
  s1 <- stats::plogis(-1.75 - 0.045 * tt + lu(-0.3) + city(0.35) +
                        sim_ar1(n, nt, 0.7, 0.08))
  r3 <- stats::plogis(-0.35 + 0.04 * tt + lu(0.19) + city(0.3) +
                        sim_ar1(n, nt, 0.7, 0.06))
  shares <- list(s1, (1 - s1) * (1 - r3), (1 - s1) * r3)
  up_city <- upgrading + up_sd * stats::rnorm(n)
  boost <- ifelse(is.na(ev) | ev < 0, 0, up_city * pmin(ev + 1, 9))
  # sector productivities: the secondary sector's is `level` in mid-period
  # (2011-2012), the primary's 21 % and the tertiary's 80 % of it; they grow
  # by `growth` a year; city levels spread by `dispersion` (log points; the
  # primary sector's a third more)
  g <- prod[["growth"]]
  s <- prod[["dispersion"]] / 0.19
  sh <- prod[["shocks"]]
  mid <- log(prod[["level"]]) + g * (tt - 8.5)
  e <- lapply(1:3, function(i) sim_ar1(n, nt, 0.7, sh))
  lp0 <- list(
    exp(mid + log(0.21) + s * (lu(0.2) + city(0.2)) + e[[1]]),
    exp(mid + s * (lu(0.12) + city(0.15)) + e[[2]]),
    exp(mid + log(0.8) + s * (lu(0.12) + city(0.15)) + e[[3]])
  )
  lp <- list(lp0[[1]], lp0[[2]] * exp(boost), lp0[[3]] * exp(boost))
  va <- lapply(shares, function(s) s * gdp)
  emp <- Map(function(v, p) v / p, va, lp)
  weigh <- function(p) Reduce(`+`, Map(function(s, q) s * q, shares, p))
  ind_pre <- weigh(lp)
  list(gdp = gdp, pop = pop, va = va, emp = emp, ind = ind_pre,
       shock = weigh(Map(`*`, lp0, e)),
       ind_base = rowMeans(log(ind_pre[, 1:9, drop = FALSE])))
}

# The controls' common movement with industrial upgrading: for each control,
# its loading times the part of Ind_Pro due to the sector productivity shocks
# (to first order), net of city and year means, so that the city levels and
# the trends of the controls stay as designed (0 when no loading is given).
sim_ind_movement <- function(shock, load) {
  dev <- shock - rowMeans(shock)
  dev <- sweep(dev, 2L, colMeans(dev))
  lapply(load, function(l) l * dev)
}

# The split variables of the heterogeneity tables.
sim_split_vars <- function(u, lay, tt, econ) {
  n <- length(u)
  nt <- ncol(tt)
  city <- function(sd) matrix(stats::rnorm(n, 0, sd), n, nt)
  lu <- function(x) matrix(x * u, n, nt)
  digital <- round(exp(2.6 + 0.55 * u + 0.35 * lay$tier2plus +
                         stats::rnorm(n, 0, 0.4)), 2)
  land <- exp(log(60) + 0.85 * log(econ$pop / 400) + city(0.25) + 0.045 * tt)
  list(
    Digital = digital,
    Green_patent = exp(log(4) + 0.1 * tt + lu(0.35) + city(0.45) +
                         sim_ar1(n, nt, 0.5, 0.2)),
    Human_capital = 4.6 + 0.045 * tt + lu(0.35) +
      matrix(0.9 * lay$central_city, n, nt) + city(0.5) +
      sim_ar1(n, nt, 0.7, 0.06),
    Agglomeration = (econ$va[[2]] + econ$va[[3]]) / land,
    Env_reg = -exp(log(14) - 0.16 * tt + lu(-0.3) + city(0.4) +
                     sim_ar1(n, nt, 0.6, 0.18))
  )
}

# Low-carbon city (Lowc), innovative city (Inno) and carbon-trading (Tanp)
# pilots: 0/1 from the adoption year on; more likely in developed cities and
# in smart-city pilots; Tanp by province.
sim_other_policies <- function(u, pilot, lay, yr) {
  n <- length(u)
  pick <- function(score, years, sizes) {
    chosen <- order(-score)[seq_len(sum(sizes))]
    first <- rep(Inf, n)
    first[chosen] <- rep(years, sizes)[sample.int(length(chosen))]
    first
  }
  lowc <- pick(0.25 * u + 0.2 * pilot + stats::rnorm(n),
               c(2010, 2012, 2017), c(10, 22, 28))
  inno <- pick(0.25 * u + 0.1 * pilot + 0.6 * lay$tier2plus + stats::rnorm(n),
               c(2010, 2012, 2018), c(15, 25, 15))
  tanp_year <- c(Beijing = 2013, Tianjin = 2013, Shanghai = 2013,
                 Guangdong = 2013, Hubei = 2014, Chongqing = 2014,
                 Fujian = 2016)
  tanp <- unname(tanp_year[lay$province])
  tanp[is.na(tanp)] <- Inf
  on <- function(first) {
    M <- yr >= first
    storage.mode(M) <- "integer"
    M
  }
  list(Lowc = on(lowc), Inno = on(inno), Tanp = on(tanp))
}

# The city's effect multiplier, normalised to average 1 over the pilots.
sim_multiplier <- function(h, lay, econ, split, pilot) {
  z <- function(x) (x - mean(x)) / stats::sd(x)
  Z <- cbind(
    Ind_Pro = z(econ$ind_base),
    Digital = z(log(split$Digital)),
    Green_patent = z(rowMeans(log(split$Green_patent))),
    Human_capital = z(rowMeans(split$Human_capital)),
    Gdp_pc = z(rowMeans(log(econ$gdp / econ$pop))),
    Agglomeration = z(rowMeans(log(split$Agglomeration))),
    Env_reg = z(-rowMeans(log(-split$Env_reg))),
    east = as.numeric(lay$region == "east"),
    northeast = as.numeric(lay$region == "northeast"),
    central = as.numeric(lay$region == "central"),
    west = as.numeric(lay$region == "west"),
    south = as.numeric(lay$south),
    tier2plus = as.numeric(lay$tier2plus)
  )
  eta <- as.vector(Z[, names(h), drop = FALSE] %*% h)
  m <- exp(eta)
  if (any(pilot == 1L)) m <- m / mean(m[pilot == 1L])
  m
}

# Split total emissions (10^8 kg CO2) into gas, LPG and electricity use.
sim_energy <- function(carbon, u, tt, years) {
  n <- nrow(carbon)
  nt <- ncol(carbon)
  city <- function(sd) matrix(stats::rnorm(n, 0, sd), n, nt)
  total <- exp(carbon)
  s_gas <- stats::plogis(-3.7 + 0.085 * tt + matrix(0.3 * u, n, nt) +
                           city(0.5) + sim_ar1(n, nt, 0.6, 0.1))
  s_lpg <- stats::plogis(-4.7 - 0.035 * tt + city(0.4) +
                           sim_ar1(n, nt, 0.6, 0.1))
  coal <- matrix(sim_coal_share(), n, nt, byrow = TRUE)
  list(gas = s_gas * total / 2.1622,
       lpg = s_lpg * total / 3.1013,
       electricity = (1 - s_gas - s_lpg) * total / (1.3023 * coal))
}

# Carbon intensity (Mt CO2 per 10^8 yuan of GDP), responding to the pilot.
sim_cei <- function(u, size, tt, tau, conf, cei) {
  n <- length(u)
  nt <- ncol(tt)
  c_city <- matrix(0.05 * size + stats::rnorm(n, 0, 0.1), n, nt)
  exp(log(cei[["level"]]) + cei[["trend"]] * (tt - 9) + c_city + tau + conf +
        matrix(stats::rnorm(n * nt, 0, cei[["noise"]]), n, nt))
}
