# The shipped study panel (data/smartcity.rda), or NULL while it is not there.
shipped_panel <- function() {
  e <- new.env()
  got <- suppressWarnings(tryCatch(
    utils::data("smartcity", package = "smartdid", envir = e),
    error = function(err) character()))
  if (!"smartcity" %in% got) return(NULL)
  d <- e$smartcity
  need <- c("Carbon", "Smart_Policy", "city", "year", "Wage", "Pinf", "Fiscal",
            "Infra", "Fdi", "Sic", "Green")
  if (!all(need %in% names(d))) return(NULL)
  d
}

shipped_fit <- function(d) {
  smartdid(Carbon ~ Wage + Pinf + Fiscal + Infra + Fdi + Sic + Green, data = d,
           id = "city", time = "year", treat = "Smart_Policy", cluster = "city")
}
