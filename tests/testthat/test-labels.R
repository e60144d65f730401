test_that("var_labels() merges label maps, later entries winning", {
  lab <- var_labels(smartcity_labels(), Carbon = "log CO2", Digital = "Digital economy")
  expect_identical(lab[["Carbon"]], "log CO2")
  expect_identical(lab[["Digital"]], "Digital economy")
  expect_identical(lab[["tier2plus"]], "City tier")
  expect_identical(var_labels(c(a = "A"), c(a = "B", b = "C")), c(a = "B", b = "C"))
  expect_error(var_labels(c("no name")), "named character vector")
  expect_error(var_labels(c(a = NA_character_)), "named character vector")
})

test_that("relabel() labels names and interactions part by part", {
  lab <- c(Smart_Policy = "Pilot", Ind_Pro = "Upgrading")
  expect_identical(smartdid:::relabel(c("Smart_Policy", "x", "Smart_Policy:Ind_Pro"), lab),
                   c("Pilot", "x", paste0("Pilot ", smartdid:::sym("times"), " Upgrading")))
  expect_identical(smartdid:::relabel("a:b", character()), "a:b")
  # an interaction with its own entry keeps it
  expect_identical(smartdid:::relabel("a:b", c("a:b" = "both", a = "A")), "both")
  expect_identical(smartdid:::tolower_first(c("Human capital", "GDP", "Ind_Pro")),
                   c("human capital", "GDP", "Ind_Pro"))
})
