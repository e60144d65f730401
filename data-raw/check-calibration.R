# Measures the shipped (or any simulated) panel against the published figures
# of the study (../shared/study/published_tables.csv, balance_table2.csv).
# Not part of the package build. Run from the package root:
#   Rscript data-raw/check-calibration.R [seed]
# Uses only smartdid() and base R (the PSM here is a plain logit + nearest
# neighbour on the score, as in the study; the package's psm() may differ in
# tie-breaking and matching order).
suppressMessages(pkgload::load_all(".", quiet = TRUE))
args <- commandArgs(trailingOnly = TRUE)
d <- if (length(args)) simulate_smartcity(seed = as.numeric(args[1])) else smartcity
ctrl <- c("Wage", "Pinf", "Fiscal", "Infra", "Fdi", "Sic", "Green")
f_ctrl <- reformulate(ctrl, "Carbon")
show <- function(fit, term = "Smart_Policy") {
  b <- coef(fit)[term]; se <- sqrt(diag(vcov(fit)))[term]
  sprintf("%-22s % .4f (t = % 6.2f)  n = %d  adjR2 = %.4f", term, b, b / se,
          nobs(fit), fit$adj.r.squared)
}
did <- function(f, data = d, ...) smartdid(f, data = data, id = "city",
                                           time = "year", treat = "Smart_Policy", ...)
cat("== shape\n")
cat(nrow(d), "rows;", length(unique(d$city)), "cities;", range(d$year), "\n")
cy <- d[!duplicated(d$city), ]
print(table(cy$pilot_year, useNA = "ifany"))
print(table(cy$region)); print(table(cy$south)); print(table(cy$central_city))
print(table(cy$tier2plus)); cat("provinces:", length(unique(cy$province)), "\n")

cat("== Table 2 (unmatched): treated, control, %bias\n")
bal <- function(x, t, w = NULL, ref = NULL) {
  if (is.null(w)) w <- rep(1, length(x))
  mt <- weighted.mean(x[t == 1], w[t == 1]); mc <- weighted.mean(x[t == 0], w[t == 0])
  ref <- if (is.null(ref)) sqrt((var(x[t == 1]) + var(x[t == 0])) / 2) else ref
  c(treated = mt, control = mc, bias = 100 * (mt - mc) / ref)
}
print(round(t(sapply(ctrl, function(v) bal(d[[v]], d$pilot))), 4))

cat("== PSM (logit on the 7 controls, city-year level, 1:1 nearest neighbour)\n")
ps <- fitted(glm(reformulate(ctrl, "pilot"), binomial, data = d))
tr <- which(d$pilot == 1); co <- which(d$pilot == 0)
nn_rep <- co[vapply(ps[tr], function(p) which.min(abs(ps[co] - p)), 1L)]
set.seed(1)
avail <- rep(TRUE, length(co)); nn_norep <- integer(length(tr))
for (i in sample(seq_along(tr))) {
  j <- which(avail)[which.min(abs(ps[co[avail]] - ps[tr[i]]))]
  nn_norep[i] <- co[j]; avail[j] <- FALSE
}
keep_rep <- c(tr, unique(nn_rep))
cat("with replacement: treated", length(tr), "+ distinct controls",
    length(unique(nn_rep)), "=", length(keep_rep), "city-years\n")
cat("score range treated", round(range(ps[tr]), 3), " controls", round(range(ps[co]), 3), "\n")
w <- rep(0, nrow(d)); w[tr] <- 1; tb <- table(nn_rep); w[as.integer(names(tb))] <- tb
ref <- sapply(ctrl, function(v) sqrt((var(d[[v]][tr]) + var(d[[v]][co])) / 2))
cat("matched balance (with replacement, weights):\n")
print(round(t(sapply(ctrl, function(v) bal(d[[v]], d$pilot, w, ref[v]))), 4))

cat("== Table 3\n")
f0 <- Carbon ~ 1
cat(show(did(f0)), "\n", show(did(f_ctrl)), "\n", sep = "")
dm <- d[sort(keep_rep), ]
cat("PSM-DID (with replacement sample):\n")
cat(show(did(f0, dm)), "\n", show(did(f_ctrl, dm)), "\n", sep = "")
dn <- d[sort(c(tr, nn_norep)), ]
cat("PSM-DID (without replacement sample, ", nrow(dn), " rows):\n", sep = "")
cat(show(did(f_ctrl, dn)), "\n")

cat("== Table 1 event study (bins <= -7 and >= 8, ref -1, with controls)\n")
rel <- d$year - d$pilot_year
rel <- pmin(pmax(rel, -7), 8)
ks <- setdiff(-7:8, -1)
nm <- ifelse(ks < 0, paste0("Admico_", -ks), paste0("Admico", ks))
for (i in seq_along(ks)) d[[nm[i]]] <- as.integer(!is.na(rel) & rel == ks[i])
fe <- did(reformulate(c(setdiff(nm, "Admico0"), ctrl), "Carbon"),
          data = transform(d, Smart_Policy = Admico0))
es <- coef(fe)[c(nm[ks < 0], "Smart_Policy", nm[ks > 0])]
se <- sqrt(diag(vcov(fe)))[names(es)]
print(round(cbind(rel = ks, b = es, t = es / se), 3))
cat("adjR2", round(fe$adj.r.squared, 4), "\n")

cat("== Table 4\n")
cat(show(did(update(f_ctrl, CEI ~ .), d[!is.na(d$CEI), ])), "\n")
d$L.Carbon <- ave(d$Carbon, d$city, FUN = function(x) c(NA, head(x, -1)))
fl <- did(reformulate(c("L.Carbon", ctrl), "Carbon"), d[!is.na(d$L.Carbon), ])
cat(show(fl), "\n", show(fl, "L.Carbon"), "\n", sep = "")
for (p in c("Lowc", "Inno", "Tanp")) {
  fp <- did(reformulate(c(p, ctrl), "Carbon"))
  cat(show(fp), " | ", show(fp, p), "\n", sep = "")
}

cat("== Table 5\n")
cat("peripheral: ", show(did(f_ctrl, d[d$central_city == 0, ])), "\n", sep = "")
for (k in 1:3) {
  dd <- d[d$Smart_Policy == 0, ]
  dd$fake <- as.integer(!is.na(dd$pilot_year) & dd$year >= dd$pilot_year - k)
  fk <- smartdid(f_ctrl, data = dd, id = "city", time = "year", treat = "fake")
  cat("shift", k, ": ", show(fk, "fake"), "\n", sep = "")
}

cat("== Table 6 mechanism (Smart_Policy x Ind_Pro)\n")
d$SPxInd <- d$Smart_Policy * d$Ind_Pro
fm0 <- did(Carbon ~ SPxInd + Ind_Pro); fm1 <- did(reformulate(c("SPxInd", "Ind_Pro", ctrl), "Carbon"))
for (f in list(fm0, fm1)) cat(show(f), " | ", show(f, "SPxInd"), " | ", show(f, "Ind_Pro"), "\n", sep = "")
fmp <- did(reformulate(c("SPxInd", "Ind_Pro", ctrl), "Carbon"), data = d[sort(keep_rep), ])
cat("PSM: ", show(fmp, "SPxInd"), "\n", sep = "")

cat("== Tables 7-9: SPxInd by group (with controls); low/high = city-mean median split\n")
fh <- reformulate(c("SPxInd", "Ind_Pro", ctrl), "Carbon")
grp <- function(lab, keep) cat(sprintf("%-28s", lab), show(did(fh, d[keep, ]), "SPxInd"), "\n")
for (v in c("Digital", "Green_patent", "Human_capital", "Gdp_pc", "Agglomeration", "Env_reg")) {
  cm <- ave(d[[v]], d$city); hi <- cm > median(cm[!duplicated(d$city)])
  grp(paste(v, "low"), !hi); grp(paste(v, "high"), hi)
}
for (r in c("east", "northeast", "central", "west")) grp(r, d$region == r)
grp("south", d$south == 1); grp("north", d$south == 0)
grp("tier2plus", d$tier2plus == 1); grp("below tier 2", d$tier2plus == 0)
