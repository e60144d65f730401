# The study's two constructed measures: carbon emissions from energy use
# (eq. 2 of the article) and the industrial-upgrading index (eq. 4).

#' Carbon dioxide emissions from gas, LPG and electricity use
#'
#' Computes a city's CO2 emissions from its consumption of natural gas,
#' liquefied petroleum gas (LPG) and electricity, as in equation 2 of the
#' study:
#' \deqn{C = \kappa E_{gas} + \nu E_{lpg} + \phi \, (\eta E_{elec})}{C =
#' kappa * gas + nu * lpg + phi * (eta * electricity)}
#' where \eqn{\eta}{eta} is the share of coal-fired power in electricity
#' generation (one national value per year in the study) and
#' \eqn{\kappa, \nu, \phi}{kappa, nu, phi} are emission factors.
#'
#' The default factors are the article's: 2.1622 kg CO2 per m3 of natural gas,
#' 3.1013 kg CO2 per kg of LPG and 1.3023 kg CO2 per kWh of coal-fired power.
#' With inputs in m3, kg and kWh the result is in kg of CO2. The formula is
#' linear, so any common scale carries through: the [smartcity] data give the
#' inputs in units of \eqn{10^8}{10^8} (m3, kg, kWh), and the result is then in
#' \eqn{10^8}{10^8} kg of CO2 (units of 0.1 Mt), whose logarithm is the column
#' `Carbon`.
#'
#' @param gas Natural gas consumed (m3, or a multiple such as 10^8 m3).
#' @param lpg Liquefied petroleum gas consumed (kg, or the same multiple).
#' @param electricity Electricity consumed (kWh, or the same multiple).
#' @param coal_share Share of coal-fired power in electricity generation,
#'   between 0 and 1; one value (recycled) or one per element.
#' @param factors Emission factors: a numeric vector named `gas`, `lpg` and
#'   `coal_power` (kg CO2 per m3, per kg and per kWh of coal-fired power).
#' @return A numeric vector of emissions, one per element of the inputs
#'   (inputs of length 1 are recycled). Missing inputs give `NA`.
#' @seealso [industrial_upgrading()], [smartcity]
#' @examples
#' # 1 million m3 of gas, 200 t of LPG, 50 million kWh at a 70 % coal share
#' carbon_emissions(gas = 1e6, lpg = 2e5, electricity = 5e7, coal_share = 0.7)
#' # the simulated study data: Carbon is the log of these emissions
#' with(head(smartcity), log(carbon_emissions(gas, lpg, electricity, coal_share)))
#' head(smartcity$Carbon)
#' @export
carbon_emissions <- function(gas, lpg, electricity, coal_share,
                             factors = c(gas = 2.1622, lpg = 3.1013,
                                         coal_power = 1.3023)) {
  f <- check_carbon_factors(factors)
  args <- list(gas = gas, lpg = lpg, electricity = electricity,
               coal_share = coal_share)
  n <- index_length(args)
  for (a in c("gas", "lpg", "electricity")) check_amount(args[[a]], a)
  check_amount(coal_share, "coal_share", upper = 1)
  out <- f[["gas"]] * gas + f[["lpg"]] * lpg +
    f[["coal_power"]] * (coal_share * electricity)
  rep_len(as.double(out), n)
}

#' Industrial upgrading index
#'
#' Computes the industrial-upgrading (industrial structure advancement) index
#' of equation 4 of the study: the sum over the primary, secondary and
#' tertiary sectors of each sector's share of GDP times its labour
#' productivity,
#' \deqn{Ind\_Pro = \sum_{m=1}^{3} \frac{Y_m}{Y} \cdot \frac{Y_m}{L_m}}{Ind_Pro
#' = sum over m of (Y_m / Y) * (Y_m / L_m)}
#' with \eqn{Y_m}{Y_m} the value added and \eqn{L_m}{L_m} the employment of
#' sector m and \eqn{Y = Y_1 + Y_2 + Y_3}{Y = Y_1 + Y_2 + Y_3} (GDP).
#'
#' The index is in units of value added per worker: with value added in
#' \eqn{10^8}{10^8} yuan and employment in \eqn{10^4}{10^4} persons, as in
#' [smartcity], it is in \eqn{10^4}{10^4} yuan per worker. A sector with no
#' value added contributes zero (whatever its employment).
#'
#' @param va_primary,va_secondary,va_tertiary Value added of the primary,
#'   secondary and tertiary sectors (non-negative; the same currency unit).
#' @param emp_primary,emp_secondary,emp_tertiary Employment of the three
#'   sectors (non-negative; positive wherever the sector's value added is).
#' @return A numeric vector, one value per element of the inputs (inputs of
#'   length 1 are recycled). Missing inputs give `NA`.
#' @seealso [carbon_emissions()], [smartcity]
#' @examples
#' # shares 0.1, 0.5, 0.4 of GDP 100; productivities 0.5, 2.5, 2
#' industrial_upgrading(10, 50, 40, 20, 20, 20)
#' # the simulated study data: Ind_Pro is this index of the sector columns
#' with(head(smartcity), industrial_upgrading(va_primary, va_secondary,
#'   va_tertiary, emp_primary, emp_secondary, emp_tertiary))
#' head(smartcity$Ind_Pro)
#' @export
industrial_upgrading <- function(va_primary, va_secondary, va_tertiary,
                                 emp_primary, emp_secondary, emp_tertiary) {
  va <- list(va_primary = va_primary, va_secondary = va_secondary,
             va_tertiary = va_tertiary)
  emp <- list(emp_primary = emp_primary, emp_secondary = emp_secondary,
              emp_tertiary = emp_tertiary)
  n <- index_length(c(va, emp))
  for (a in names(va)) check_amount(va[[a]], a)
  for (a in names(emp)) check_amount(emp[[a]], a)
  va <- lapply(va, function(x) rep_len(as.double(x), n))
  emp <- lapply(emp, function(x) rep_len(as.double(x), n))
  gdp <- va[[1]] + va[[2]] + va[[3]]
  bad <- which(!is.na(gdp) & gdp == 0)
  if (length(bad)) {
    sd_stop("the value added of the three sectors sums to zero in element ",
            bad[1], "; the GDP shares are undefined there")
  }
  out <- numeric(n)
  for (m in 1:3) {
    zero_emp <- which(!is.na(va[[m]]) & !is.na(emp[[m]]) & va[[m]] > 0 &
                        emp[[m]] == 0)
    if (length(zero_emp)) {
      sd_stop("'", names(emp)[m], "' is zero where '", names(va)[m],
              "' is positive (element ", zero_emp[1], "); labour productivity ",
              "needs positive employment")
    }
    term <- (va[[m]] / gdp) * (va[[m]] / emp[[m]])
    term[!is.na(va[[m]]) & va[[m]] == 0 & !is.na(emp[[m]])] <- 0
    out <- out + term
  }
  out
}

# The common length of vectorised inputs: each has length 1 or n.
index_length <- function(args) {
  lens <- lengths(args)
  n <- if (any(lens == 0L)) 0L else max(lens)
  bad <- names(args)[!lens %in% c(1L, n)]
  if (length(bad)) {
    sd_stop("'", bad[1], "' has length ", lengths(args[bad[1]]), "; every ",
            "input must have length 1 or ", n,
            if (n == 0L) " (another input is empty)" else " (the longest input)")
  }
  n
}

# A non-negative, finite amount, at most `upper` (NA allowed: it propagates).
check_amount <- function(x, arg, upper = Inf) {
  if (!(is.numeric(x) || (is.logical(x) && all(is.na(x))))) {
    sd_stop("'", arg, "' must be numeric, not ", class(x)[1])
  }
  bad <- which(!is.na(x) & !is.finite(x))
  if (length(bad)) {
    sd_stop("'", arg, "' must be finite; element ", bad[1], " is ",
            format(x[bad[1]]))
  }
  if (is.finite(upper)) {
    bad <- which(!is.na(x) & (x < 0 | x > upper))
    if (length(bad)) {
      sd_stop("'", arg, "' must lie between 0 and ", upper, " (a share, not a ",
              "percentage); element ", bad[1], " is ", format(x[bad[1]]))
    }
  }
  bad <- which(!is.na(x) & x < 0)
  if (length(bad)) {
    sd_stop("'", arg, "' must be non-negative; element ", bad[1], " is ",
            format(x[bad[1]]))
  }
  invisible(x)
}

check_carbon_factors <- function(factors) {
  need <- c("gas", "lpg", "coal_power")
  if (!is.numeric(factors) || length(factors) != 3L ||
      !setequal(names(factors) %||% "", need)) {
    sd_stop("'factors' must be a numeric vector named \"gas\", \"lpg\" and ",
            "\"coal_power\" (kg CO2 per m3, per kg and per kWh)")
  }
  if (anyNA(factors) || any(!is.finite(factors)) || any(factors < 0)) {
    sd_stop("'factors' must be finite and non-negative")
  }
  factors[need]
}
