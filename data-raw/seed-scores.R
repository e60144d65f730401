# Scores the documented data-generating process of simulate_smartcity() (its
# defaults) over many seeds: for each seed, the number of the article's 67
# coefficient cells in the same significance class, whether the headline t
# values are within a factor 1.5 of the published ones, and the number of
# published-5 % cells with the other sign. Writes data-raw/seed-scores.tsv
# and prints the distribution of the score. The shipped panel is the seed
# with the best score among those whose headline cells are within 1.5x and
# whose published-5 % cells all have the published sign (ties: the smallest
# seed). Run from the package root (about 2-5 s per seed):
#   Rscript data-raw/seed-scores.R 1 200
source("data-raw/score-calibration.R")
rng <- as.integer(commandArgs(trailingOnly = TRUE))
seeds <- if (length(rng) == 2L) seq(rng[1], rng[2]) else 1:200
out <- "data-raw/seed-scores.tsv"
res <- do.call(rbind, lapply(seeds, function(s) {
  r <- score_panel(s)
  data.frame(seed = s, agree = r$agree, headline = r$headline_within_1.5,
             wrong_sign = nrow(r$wrong_sign))
}))
utils::write.table(res, out, sep = "\t", row.names = FALSE, quote = FALSE)
cat("seeds", min(seeds), "-", max(seeds), "(", length(seeds), "draws)\n")
print(summary(res$agree))
ok <- res$headline & res$wrong_sign == 0
cat("headline within 1.5x and no sign reversal:", sum(ok), "of", nrow(res), "\n")
best <- res[ok, ][order(-res$agree[ok], res$seed[ok]), ][1, ]
cat("best admissible seed:", best$seed, "with", best$agree, "of 67\n")
