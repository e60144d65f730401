library(testthat)
library(smartdid)

test_check("smartdid")
