# The parts of simulate_smartcity()'s data-generating process: the seed,
# the study's layout, covariates, economy, policies, multiplier, energy and
# carbon intensity.

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
