# Reproduces data/smartcity.rda exactly: the simulated smart-city panel shipped
# with the package (see ?smartcity and ?simulate_smartcity). Run from the
# package root with the development version loaded:
#   Rscript data-raw/smartcity.R
# data-raw/ is excluded from the package build (.Rbuildignore).
# data-raw/check-calibration.R measures the result against the published
# figures of the study.
pkgload::load_all(".", quiet = TRUE)
smartcity <- simulate_smartcity(seed = 662)
stopifnot(nrow(smartcity) == 3978L,
          all.equal(smartcity$Carbon, log(with(smartcity,
            carbon_emissions(gas, lpg, electricity, coal_share)))))
dir.create("data", showWarnings = FALSE)
save(smartcity, file = "data/smartcity.rda", compress = "xz", version = 2)
