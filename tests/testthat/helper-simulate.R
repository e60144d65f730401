# Shared by the simulate_smartcity() and smartcity tests: the seven controls
# of the study, and one row per city.
ctrl7 <- c("Wage", "Pinf", "Fiscal", "Infra", "Fdi", "Sic", "Green")
per_city <- function(d) d[!duplicated(d$city), ]
