# The package's sources: no top-level name is defined twice across R/ (R
# loads the files in alphabetical order, so a second definition silently
# replaces the first).

test_that("no top-level name is defined twice across R/", {
  dir <- test_path("..", "..", "R")
  skip_if_not(dir.exists(dir), "the package sources are not available")
  files <- list.files(dir, "\\.[Rr]$", full.names = TRUE)
  expect_gt(length(files), 10L)
  top_names <- function(f) {
    ex <- parse(f, keep.source = FALSE)
    nm <- vapply(ex, function(e) {
      if (is.call(e) && as.character(e[[1]])[1] %in% c("<-", "=", "<<-") &&
          (is.name(e[[2]]) || is.character(e[[2]]))) as.character(e[[2]]) else NA_character_
    }, "")
    nm[!is.na(nm)]
  }
  defs <- lapply(files, top_names)
  all <- data.frame(file = rep(basename(files), lengths(defs)), name = unlist(defs))
  dup <- all[all$name %in% all$name[duplicated(all$name)], ]
  # Until the one table renderer (R/render.R, issue 16) is merged, the two
  # copies of its helpers that it removes are the only duplicates tolerated.
  if (!file.exists(file.path(dir, "render.R"))) {
    dup <- dup[!dup$name %in% c("fmt_fixed", "latex_escape"), ]
  }
  expect_identical(nrow(dup), 0L,
                   info = paste(dup$name, dup$file, sep = " in ", collapse = "; "))
  # the check can fail: a duplicate is found
  tmp <- tempfile(fileext = ".R")
  writeLines(c("f <- function() 1", "g = 2", "f <- function() 3"), tmp)
  expect_identical(top_names(tmp), c("f", "g", "f"))
})
