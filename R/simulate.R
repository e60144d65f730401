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
#' [smartcity] are `simulate_smartcity(seed = 662)`: of the 8,200 panels
#' `seed = 1:8200` of these defaults, the one whose replication agrees best
#' with the article (57 of its 67 coefficient cells in the same significance
#' class; nine admissible seeds score 57, none more, and ties go to the
#' smallest seed) among the 2,132 seeds whose headline t values are within a factor
#' 1.5 of the published ones and whose published-5 % cells all keep their
#' sign. Over the 8,200 seeds the score ranges from 32 to 59, quartiles 45
#' and 51, median 48, mean 47.7: a fresh draw typically agrees on 48 cells,
#' and 19 draws in 8,200 (0.2 %) reach 57 or more. The seed was chosen for
#' that agreement; the
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
#' @param seed Random seed (the default, 662, gives the shipped [smartcity]
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
simulate_smartcity <- function(seed = 662,
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
