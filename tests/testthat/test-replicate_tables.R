# The tables of replicate_study() against models built by hand on the shipped
# panel: hand-made event dummies, interactions, lags, subsets and splits.

fml <- function(lhs, rhs) stats::reformulate(rhs, response = lhs)
coef_of <- function(fit, term) unname(coef(fit)[term])

test_that("Table 1 is the study's event study: dummies -7..8, earlier periods the base", {
  res <- rep_result()
  es <- res$results$table1
  d <- smartcity
  rel <- d$year - d$pilot_year
  ks <- -7:8
  nm <- paste0("k", ks + 7)
  for (i in seq_along(ks)) {
    d[[nm[i]]] <- as.numeric(!is.na(rel) & (rel == ks[i] | (ks[i] == 8 & rel > 8)))
  }
  # the period-0 dummy stands in as the "treatment"; the others are regressors
  hand <- smartdid(fml("Carbon", c(nm[-8], rep_ctrl)), data = d, id = "city",
                   time = "year", treat = nm[8])
  tb <- es$estimates
  got <- tb$estimate[match(ks, tb$rel_time)]
  expect_equal(got, unname(coef(hand)[nm]), tolerance = 1e-8)
  expect_identical(tb$rel_time[is.na(tb$std.error)], -8)
  txt <- rep_lines(res, "table1_event_study", "txt")
  labs <- sub("^(-?[0-9]+) .*$", "\\1", grep("^-?[0-9]+ ", txt, value = TRUE))
  expect_identical(labs, as.character(ks))
  # the omitted base pools every period up to -8: labelled as a bin
  expect_true(any(grepl(paste("Reference period:", smartdid:::sym("le"), "-8"), txt,
                        fixed = TRUE)))
})

test_that("Table 2 and Table 3 are the study's PSM and PSM-DID", {
  res <- rep_result()
  t2 <- res$results$table2
  expect_identical(nrow(t2$data), 2491L)
  expect_true(t2$psm$settings$replace)
  b <- t2$balance
  expect_identical(unique(b$variable), rep_ctrl)
  expect_true(all(abs(b$std_bias_pct[b$sample == "matched"]) < 5))
  txt <- rep_lines(res, "table2_balance", "txt")
  for (v in rep_ctrl) expect_true(any(grepl(paste0("^", v, " "), txt)))
  # PSM-DID: unweighted on the matched city-years (treated rows + distinct controls)
  md <- t2$data
  keep <- paste(smartcity$city, smartcity$year) %in% paste(md$city, md$year)
  hand <- smartdid(fml("Carbon", rep_ctrl), data = smartcity[keep, ], id = "city",
                   time = "year", treat = "Smart_Policy")
  t3 <- res$results$table3
  expect_equal(coef(t3$psm_did_controls), coef(hand), tolerance = 1e-10)
  expect_identical(names(t3), c("did", "did_controls", "psm_did", "psm_did_controls"))
  tab <- rep_lines(res, "table3_baseline", "txt")
  expect_true(any(grepl("^ +DID +DID +PSM-DID +PSM-DID", tab)))
  expect_true(any(grepl("^Obs +3,978 +3,978 +2,487 +2,487", tab)))
  expect_true(any(grepl("^Controls +NO +YES +NO +YES", tab)))
})

test_that("Table 4: alternative outcome, hand-made lag, other policies", {
  res <- rep_result()
  t4 <- res$results$table4
  expect_identical(names(t4), c("CEI", "Lagged outcome", "+ Lowc", "+ Inno", "+ Tanp"))
  d <- smartcity[order(smartcity$city, smartcity$year), ]
  d$lagC <- ave(d$Carbon, d$city, FUN = function(x) c(NA, x[-length(x)]))
  hand <- smartdid(fml("Carbon", c(rep_ctrl, "lagC")), data = d, id = "city",
                   time = "year", treat = "Smart_Policy")
  expect_equal(coef_of(t4[["Lagged outcome"]], c("Smart_Policy", "L.Carbon")),
               coef_of(hand, c("Smart_Policy", "lagC")), tolerance = 1e-10)
  cei <- smartdid(fml("CEI", rep_ctrl), data = smartcity[!is.na(smartcity$CEI), ],
                  id = "city", time = "year", treat = "Smart_Policy")
  expect_equal(coef(t4$CEI), coef(cei), tolerance = 1e-10)
  for (p in c("Lowc", "Inno", "Tanp")) {
    hp <- smartdid(fml("Carbon", c(rep_ctrl, p)), data = smartcity, id = "city",
                   time = "year", treat = "Smart_Policy")
    expect_equal(coef_of(t4[[paste("+", p)]], c("Smart_Policy", p)),
                 coef_of(hp, c("Smart_Policy", p)), tolerance = 1e-10)
  }
  tab <- rep_lines(res, "table4_alternatives", "tex")
  expect_true(any(grepl("^L\\.Carbon &", tab)))
  expect_true(any(grepl("^Obs & 3,757 & 3,757 & 3,978 & 3,978 & 3,978", tab)))
})

test_that("Table 5: peripheral cities, outliers and the study's shifted samples", {
  res <- rep_result()
  t5 <- res$results$table5
  expect_identical(names(t5), c("Peripheral", "Winsorized 1%", "Trimmed 1%",
                                paste("Earlier by", 1:3)))
  per <- smartdid(fml("Carbon", rep_ctrl), data = smartcity[smartcity$central_city == 0, ],
                  id = "city", time = "year", treat = "Smart_Policy")
  expect_equal(coef(t5$Peripheral), coef(per), tolerance = 1e-10)
  expect_identical(t5$Peripheral$nobs, 3762L)
  expect_identical(vapply(t5[4:6], function(f) f$nobs, 1L),
                   c(`Earlier by 1` = 2210L, `Earlier by 2` = 1989L, `Earlier by 3` = 1768L))
  # winsorizing by hand: outcome and controls at their 1st and 99th percentiles
  w <- smartcity
  for (v in c("Carbon", rep_ctrl)) {
    q <- quantile(w[[v]], c(0.01, 0.99))
    w[[v]] <- pmin(pmax(w[[v]], q[1]), q[2])
  }
  hw <- smartdid(fml("Carbon", rep_ctrl), data = w, id = "city", time = "year",
                 treat = "Smart_Policy")
  expect_equal(coef(t5[["Winsorized 1%"]]), coef(hw), tolerance = 1e-10)
  md <- rep_lines(res, "table5_samples", "md")
  expect_match(md[3], "(1) Peripheral | (2) Winsorized 1% | (3) Trimmed 1% | (4) Earlier by 1",
               fixed = TRUE)
})

test_that("Table 6 and Tables 7-9 are the mechanism model, whole and by group", {
  res <- rep_result()
  d <- smartcity
  d$SPxInd <- d$Smart_Policy * d$Ind_Pro
  hand <- function(data) {
    smartdid(fml("Carbon", c(rep_ctrl, "SPxInd", "Ind_Pro")), data = data, id = "city",
             time = "year", treat = "Smart_Policy")
  }
  t6 <- res$results$table6
  expect_equal(coef_of(t6$did_controls, "Smart_Policy:Ind_Pro"),
               coef_of(hand(d), "SPxInd"), tolerance = 1e-10)
  tab6 <- rep_lines(res, "table6_mechanism", "txt")
  expect_true(any(grepl(paste0("^Smart_Policy ", smartdid:::sym("times"), " Ind_Pro "), tab6)))
  expect_true(any(grepl("^Ind_Pro ", tab6)))
  # Table 7: city means split at the median of the 221 city means, 110 / 111 cities
  g <- res$results$table7$Green_patent
  cm <- ave(d$Green_patent, d$city)
  thr <- median(cm[!duplicated(d$city)])
  expect_equal(g$threshold, thr)
  expect_identical(g$groups$units, c(110L, 111L))
  expect_equal(g$groups$estimate[2], coef_of(hand(d[cm >= thr, ]), "SPxInd"), tolerance = 1e-10)
  expect_equal(g$groups$estimate[1], coef_of(hand(d[cm < thr, ]), "SPxInd"), tolerance = 1e-10)
  # Table 8: regions in the article's order, then south and north
  t8 <- res$results$table8
  expect_identical(names(t8$region$fits), c("east", "northeast", "central", "west"))
  expect_identical(names(t8$south$fits), c("South", "North"))
  expect_equal(t8$south$groups$estimate[2],
               coef_of(hand(d[d$south == 0, ]), "SPxInd"), tolerance = 1e-10)
  expect_identical(t8$region$groups$nobs, c(1008L, 504L, 1170L, 1296L))
  # Table 9: the tier split, upper tier first (20 cities, 360 city-years)
  t9 <- res$results$table9
  expect_identical(names(t9), c("Human_capital", "Gdp_pc", "Agglomeration", "Env_reg",
                                "tier2plus"))
  expect_identical(t9$tier2plus$groups$nobs, c(360L, 3618L))
  tab9 <- rep_lines(res, "table9_heterogeneity", "txt")
  # wider than the console: panels, each with its own Obs row
  expect_true(any(grepl("^Obs( +1,980 +1,998){2}", tab9)))
  expect_true(any(grepl("^Obs( +1,980 +1,998)* +360 +3,618$", tab9)))
  expect_true(any(grepl("Second tier and above +Below second tier", tab9)))
  expect_true(all(nchar(tab9, type = "width") <= 80L))
  expect_false(any(grepl("^Wage ", tab9)))
})

test_that("median splits use the units' means, not the rows", {
  # unbalanced panel: the row median and the unit median differ
  d <- data.frame(unit = rep(1:4, c(6, 2, 2, 2)), year = c(1:6, 1:2, 1:2, 1:2))
  d$v <- rep(c(1, 2, 3, 4), c(6, 2, 2, 2))
  r <- list(id = "unit", pilot = "v", splits7 = "v")
  prep <- rep_prepare(d, r)
  expect_identical(prep$roles$split_cols$v, "v_unit_mean")
  expect_equal(prep$data$v_unit_mean, d$v)
  used <- prep$data
  um <- used$v_unit_mean[!duplicated(used$unit)]
  expect_equal(median(um), 2.5)
  expect_equal(median(used$v), 1.5)
  # a name already taken gets a suffix; pilot is derived from 'treat'
  d$v_unit_mean <- 0
  d$D <- as.numeric(d$unit == 2 & d$year == 2)
  prep2 <- rep_prepare(d, list(id = "unit", treat = "D", splits7 = "v"))
  expect_identical(prep2$roles$split_cols$v, "v_unit_mean_")
  expect_identical(prep2$data$ever_treated, as.numeric(d$unit == 2))
})
