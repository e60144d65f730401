# Scores the documented data-generating process of simulate_smartcity() (its
# defaults) over many seeds: for each seed, the number of the article's 67
# coefficient cells in the same significance class, whether the headline t
# values are within a factor 1.5 of the published ones, and the number of
# published-5 % cells with the other sign. Writes data-raw/seed-scores.tsv
# and prints the distribution of the score. The shipped panel is the seed
# with the best score among those whose headline cells are within 1.5x and
# whose published-5 % cells all have the published sign (ties: the smallest
# seed). Install the package, then run from its root (about 0.7 s per seed
# and core; the second form scores a range and adds it to the file):
#   Rscript data-raw/seed-scores.R 1 6000
#   Rscript data-raw/seed-scores.R 6001 8000 append
source("data-raw/score-calibration.R")
args <- commandArgs(trailingOnly = TRUE)
rng <- as.integer(args[1:2])
seeds <- if (!anyNA(rng)) seq(rng[1], rng[2]) else 1:200
out <- "data-raw/seed-scores.tsv"
append <- identical(args[3], "append") && file.exists(out)
cores <- max(1L, min(2L, parallel::detectCores(), na.rm = TRUE))
one <- function(s) {
  r <- score_panel(s)
  data.frame(seed = s, agree = r$agree, headline = r$headline_within_1.5,
             wrong_sign = nrow(r$wrong_sign))
}
res <- do.call(rbind, parallel::mclapply(seeds, one, mc.cores = cores))
if (append) res <- rbind(utils::read.delim(out), res)
res <- res[order(res$seed), ]
utils::write.table(res, out, sep = "\t", row.names = FALSE, quote = FALSE)
cat("seeds", min(res$seed), "-", max(res$seed), "(", nrow(res), "draws)\n")
print(summary(res$agree))
print(table(res$agree))
ok <- res$headline & res$wrong_sign == 0
cat("headline within 1.5x and no sign reversal:", sum(ok), "of", nrow(res), "\n")
best <- res[ok, ][order(-res$agree[ok], res$seed[ok]), ][1, ]
cat("best admissible seed:", best$seed, "with", best$agree, "of 67\n")
