#' Replicate the smart-city study: every table and figure in one call
#'
#' Runs the whole analysis of Li and Zhan's smart-city study (see
#' [smartcity]) on a panel and writes every table and figure to `out`:
#' Tables 1 to 9 as text, LaTeX and Markdown, the event-study figure, the
#' propensity-score densities and the placebo test (Figure 1) as PNG images
#' (PDF files where R cannot write PNG), and `index.md`, which lists them in the article's order and shows the
#' Markdown tables and the figures. Progress is printed as it goes.
#'
#' The defaults are the study's variables in the shipped **simulated** panel
#' [smartcity]; the column names are arguments, so the same analysis runs on
#' any panel with the same roles. Optional roles (`alt_outcome`, `policies`,
#' `central`, `moderator`, `splits7`, `regions`, `south`, `splits9`, `tier`)
#' may be `NULL`: the columns (or tables) that need them are left out.
#'
#' @section What is computed:
#' \describe{
#'   \item{Baseline}{`smartdid(outcome ~ controls)` with unit and period fixed
#'     effects and standard errors clustered by unit (change this through
#'     `...`), with and without the controls.}
#'   \item{Table 1}{[event_study()] with one dummy per relative period in
#'     `window` (-7 to 8); the periods before `window[1]` are pooled into the
#'     omitted base, as in the study (`leads = 8, ref = -8`); [es_table()].}
#'   \item{Table 2}{[psm()]: logit score of `pilot` on the controls, 1:1
#'     nearest neighbour with replacement (Stata psmatch2's default), on
#'     unit-period rows; [balance()] and the score densities (`plot()` of the
#'     match).}
#'   \item{Table 3}{the baseline DID and the PSM-DID, the same models fitted
#'     (unweighted, as after psmatch2's `if _weight != .`) on the matched
#'     unit-periods from [matched_data()].}
#'   \item{Figure 1}{`placebo(fit, draws = draws, seed = seed)`: random
#'     pseudo-treated units with random pseudo adoption periods.}
#'   \item{Table 4}{`alt_outcome` as the outcome; the outcome lagged one
#'     period as a regressor ([panel_lag()]); each of `policies` added as a
#'     control ([add_controls()]).}
#'   \item{Table 5}{units with `central == 0`; [winsorize()] and [trim()] at
#'     1 and 99 %; [shift_timing()] with adoption moved 1, 2, 3 periods
#'     earlier.}
#'   \item{Table 6}{[mechanism()]: treatment x `moderator`, DID and PSM-DID,
#'     without and with controls.}
#'   \item{Tables 7-9}{[heterogeneity()] of the mechanism model: median
#'     splits of `splits7` (Table 7) and `splits9` (Table 9), the groups of
#'     `regions` and `south` (Table 8) and of `tier` (Table 9). A split
#'     variable is averaged within each unit and units are split at the median
#'     of these unit means (at or above: "high"), as the study does.}
#' }
#'
#' @param data A panel in long format (data frame, data.table or tibble).
#' @param out Directory to write to (created if needed; existing files of
#'   the same names are overwritten).
#' @param draws Number of placebo draws for Figure 1.
#' @param seed Random seed of the placebo draws (`NULL`: the session's
#'   stream).
#' @param outcome,treat,controls,id,time The outcome, the 0/1 policy dummy,
#'   the control variables, and the unit and period columns.
#' @param cohort Adoption-period column, used when `treat` is `NULL`.
#' @param pilot 0/1 column marking the units ever treated (the treatment
#'   group of the matching); `NULL` to derive it from the treatment.
#' @param alt_outcome Alternative outcome (Table 4, column 1).
#' @param policies Other policy dummies, each added as a control (Table 4).
#' @param central 0/1 column of central units, left out in Table 5, column 1.
#' @param moderator Moderator of the mechanism model (Tables 6-9).
#' @param splits7,splits9 Numeric columns split at the median (Tables 7, 9).
#' @param regions Column of regions (Table 8; the study's east, northeast,
#'   central, west come in that order).
#' @param south 0/1 column, 1 for south (Table 8).
#' @param tier 0/1 column, 1 for the upper tier of units (Table 9).
#' @param window The relative periods with their own dummy in Table 1.
#' @param labels Labels of the variables, terms and groups in the tables,
#'   notes and titles ([var_labels()]); the article's wording for the
#'   variables of [smartcity] by default. The columns the analysis derives
#'   (unit means of the split variables, region and tier groups) take the
#'   label of the column they come from.
#' @param formats Table formats to write: any of `"txt"`, `"tex"`, `"md"`.
#' @param quiet Suppress the progress lines and the messages of the
#'   analysis functions.
#' @param ... Further arguments to [smartdid()] for the baseline fit,
#'   inherited by every model (such as `cluster`, `vcov` or `ssc`).
#' @return Invisibly, a list: `baseline` (the baseline fit with controls),
#'   `results` (the result objects by item: `baseline` (fits without and
#'   with controls), `table1` (the event study), `table2` (`psm`,
#'   `balance`), `table3`, `figure1` (the placebo test), `table4` to
#'   `table9` (named lists of fits or [heterogeneity()] results), and, when
#'   `data` is the shipped [smartcity] with the study's roles, `comparison`
#'   (the cell-by-cell comparison with the article from
#'   [compare_published()], also written as `comparison.csv` and
#'   `comparison.md` and shown in the index)), `files`
#'   (a data frame with `item`, `title`, `format` and `path` of every file
#'   written, in the article's order), `index` (the path of `index.md`) and
#'   `seconds` (the time taken by each step).
#' @seealso `vignette("smartcity-replication", package = "smartdid")`, which
#'   compares the results with the published ones ([published_results()]).
#' @examples
#' \donttest{
#' res <- replicate_study(out = file.path(tempdir(), "replication"), draws = 50)
#' res$files
#' res$results$table3
#' }
#' @export
replicate_study <- function(data = smartdid::smartcity, out = "replication", draws = 500,
                            seed = 2023, outcome = "Carbon", treat = "Smart_Policy",
                            controls = c("Wage", "Pinf", "Fiscal", "Infra", "Fdi",
                                         "Sic", "Green"),
                            id = "city", time = "year", cohort = "pilot_year",
                            pilot = "pilot", alt_outcome = "CEI",
                            policies = c("Lowc", "Inno", "Tanp"),
                            central = "central_city", moderator = "Ind_Pro",
                            splits7 = c("Digital", "Green_patent"), regions = "region",
                            south = "south",
                            splits9 = c("Human_capital", "Gdp_pc", "Agglomeration",
                                        "Env_reg"),
                            tier = "tier2plus", window = c(-7, 8),
                            labels = smartcity_labels(),
                            formats = c("txt", "tex", "md"), quiet = FALSE, ...) {
  check_data(data)
  data_name <- paste(deparse(substitute(data)), collapse = " ")
  data <- as.data.frame(data)
  roles <- rep_roles(data, outcome = outcome, treat = treat, controls = controls,
                     id = id, time = time, cohort = cohort, pilot = pilot,
                     alt_outcome = alt_outcome, policies = policies,
                     central = central, moderator = moderator, splits7 = splits7,
                     regions = regions, south = south, splits9 = splits9, tier = tier)
  check_count(draws, "draws", min = 1)
  if (!is.null(seed) && (!is.numeric(seed) || length(seed) != 1L || is.na(seed))) {
    sd_stop("'seed' must be NULL or a single number, such as 2023")
  }
  window <- rep_window(window)
  formats <- rep_formats(formats)
  check_flag(quiet, "quiet")
  check_labels(labels)
  if (!is.character(out) || length(out) != 1L || is.na(out) || !nzchar(out)) {
    sd_stop("'out' must be a directory name (a string), such as \"replication\"")
  }
  dir.create(out, recursive = TRUE, showWarnings = FALSE)
  if (!dir.exists(out)) sd_stop("cannot create the directory '", out, "'; check 'out'")

  prep <- rep_prepare(data, roles, labels)
  d <- prep$data
  roles <- prep$roles
  st <- rep_state(out, formats, quiet, roles)
  compare <- rep_is_smartcity(data, roles)
  if (compare) st$n <- st$n + 1L
  st$labels <- prep$labels
  rep_say(st, "Replicating the study on ", data_name, ": ",
          format(nrow(d), big.mark = ","), " rows, ", length(unique(d[[id]])), " units (",
          id, "), ", length(unique(d[[time]])), " periods (", time, ")",
          if (!is.null(attr(data, "params"))) " [simulated data]" else "")
  res <- list()
  res$baseline <- rep_step(st, "Baseline DID (the model of Table 3)",
                           rep_baseline(d, roles, ...))
  fit <- res$baseline$controls
  res$table1 <- rep_step(st, "Table 1: event study", rep_table1(st, fit, window))
  res$table2 <- rep_step(st, "Table 2: propensity-score matching and balance",
                         rep_table2(st, d, roles))
  res$table3 <- rep_step(st, "Table 3: baseline DID and PSM-DID",
                         rep_table3(st, res$baseline, res$table2))
  res$figure1 <- rep_step(st, paste0("Figure 1: placebo test (", draws, " draws)"),
                          rep_figure1(st, fit, draws, seed))
  res$table4 <- rep_step(st, "Table 4: alternative outcome, lagged outcome, other policies",
                         rep_table4(st, fit, d, roles))
  res$table5 <- rep_step(st, "Table 5: sample, outliers, counterfactual timing",
                         rep_table5(st, fit, d, roles))
  res$table6 <- rep_step(st, "Table 6: mechanism", rep_table6(st, res$table3, roles))
  res$table7 <- rep_step(st, "Table 7: heterogeneity (median splits)",
                         rep_table7(st, fit, roles))
  res$table8 <- rep_step(st, "Table 8: heterogeneity (regions)",
                         rep_table8(st, fit, roles))
  res$table9 <- rep_step(st, "Table 9: heterogeneity (median splits, tier)",
                         rep_table9(st, fit, roles))
  if (compare) {
    res$comparison <- rep_step(st, "Comparison with the published tables",
                               rep_comparison(st, res))
  }
  index <- rep_index(st, data_name, data, d, draws, seed)
  files <- st$files
  rownames(files) <- NULL
  rep_say(st, "Done in ", rep_secs(proc.time()[["elapsed"]] - st$t0), ": ",
          nrow(files), " files in ", out, "; index: ", index)
  invisible(list(baseline = fit, results = res, files = files, index = index,
                 seconds = st$seconds))
}

# ---- arguments ---------------------------------------------------------------

rep_roles <- function(data, ...) {
  r <- list(...)
  col_ok <- function(v, arg, numeric = FALSE, null_ok = TRUE, many = FALSE) {
    if (is.null(v) && null_ok) return(invisible())
    if (!is.character(v) || (!many && length(v) != 1L) || length(v) == 0L ||
        anyNA(v) || !all(nzchar(v))) {
      sd_stop("'", arg, "' must be ", if (many) "one or more column names" else "a column name",
              if (null_ok) " or NULL (to leave that part out)" else "")
    }
    miss <- setdiff(v, names(data))
    if (length(miss)) {
      sd_stop("'", arg, "' must name ", if (many) "columns" else "a column", " of 'data': ",
              paste0("'", miss, "'", collapse = ", "), " not found",
              if (null_ok) paste0("; give the right name", if (many) "s", " or '", arg,
                                  " = NULL' to leave that part out") else "")
    }
    if (numeric) for (x in v) check_numeric_column(data, x, arg)
  }
  for (a in c("outcome", "id", "time")) col_ok(r[[a]], a, numeric = a == "outcome",
                                                null_ok = FALSE)
  col_ok(r$controls, "controls", numeric = TRUE, null_ok = FALSE, many = TRUE)
  if (is.null(r$treat) && is.null(r$cohort)) {
    sd_stop("give the treatment: 'treat' (a 0/1 column) or 'cohort' (adoption periods)")
  }
  col_ok(r$treat, "treat", numeric = TRUE)
  if (is.null(r$treat)) col_ok(r$cohort, "cohort", numeric = TRUE) else r["cohort"] <- list(NULL)
  for (a in c("pilot", "alt_outcome", "central", "moderator", "south", "tier")) {
    col_ok(r[[a]], a, numeric = TRUE)
  }
  col_ok(r$regions, "regions")
  for (a in c("policies", "splits7", "splits9")) col_ok(r[[a]], a, numeric = TRUE, many = TRUE)
  r
}

rep_window <- function(window) {
  if (!is.numeric(window) || length(window) != 2L || anyNA(window) ||
      any(window != round(window)) || window[1] > -1 || window[2] < 0) {
    sd_stop("'window' must be two whole numbers, the first relative period (< 0) ",
            "and the last (>= 0), such as c(-7, 8)")
  }
  as.integer(window)
}

rep_formats <- function(formats) {
  ok <- c(txt = "text", tex = "latex", md = "markdown")
  if (!is.character(formats) || length(formats) == 0L || !all(formats %in% names(ok))) {
    sd_stop("'formats' must be one or more of \"txt\", \"tex\" and \"md\"")
  }
  ok[unique(formats)]
}

# Derived columns: the ever-treated dummy when `pilot` is NULL, the unit means
# of the split variables, and grouping columns in the article's order.
rep_prepare <- function(d, roles, labels = NULL) {
  fresh <- function(base) {
    nm <- base
    while (nm %in% names(d)) nm <- paste0(nm, "_")
    nm
  }
  lab <- function(v) if (v %in% names(labels)) labels[[v]] else v
  unit <- d[[roles$id]]
  if (is.null(roles$pilot)) {
    tr <- if (!is.null(roles$treat)) d[[roles$treat]] %in% 1 else {
      g <- d[[roles$cohort]]
      !is.na(g) & is.finite(g) & g != 0
    }
    roles$pilot <- fresh("ever_treated")
    d[[roles$pilot]] <- as.numeric(stats::ave(tr, unit, FUN = any))
    labels[roles$pilot] <- "Ever treated"
  }
  roles$split_cols <- list()
  for (v in unique(c(roles$splits7, roles$splits9))) {
    nm <- fresh(paste0(v, "_unit_mean"))
    d[[nm]] <- stats::ave(d[[v]], unit, FUN = function(x) mean(x, na.rm = TRUE))
    d[[nm]][is.nan(d[[nm]])] <- NA
    roles$split_cols[[v]] <- nm
    labels[nm] <- lab(v)
  }
  if (!is.null(roles$regions)) {
    x <- as.character(d[[roles$regions]])
    study <- c("east", "northeast", "central", "west")
    vals <- unique(x[!is.na(x)])
    levs <- c(intersect(study, vals), sort(setdiff(vals, study)))
    roles$region_col <- fresh(paste0(roles$regions, "_group"))
    d[[roles$region_col]] <- factor(x, levels = levs)
    labels[roles$region_col] <- lab(roles$regions)
  }
  if (!is.null(roles$south)) {
    roles$south_col <- fresh(paste0(roles$south, "_group"))
    d[[roles$south_col]] <- factor(ifelse(d[[roles$south]] == 1, "South", "North"),
                                   levels = c("South", "North"))
    labels[roles$south_col] <- lab(roles$south)
  }
  if (!is.null(roles$tier)) {
    roles$tier_col <- fresh(paste0(roles$tier, "_group"))
    d[[roles$tier_col]] <- factor(ifelse(d[[roles$tier]] == 1, "Second tier and above",
                                         "Below second tier"),
                                  levels = c("Second tier and above", "Below second tier"))
    labels[roles$tier_col] <- lab(roles$tier)
  }
  list(data = d, roles = roles, labels = labels)
}

# ---- progress and files -------------------------------------------------------

rep_state <- function(out, formats, quiet, roles) {
  st <- new.env(parent = emptyenv())
  st$out <- out
  st$formats <- formats
  st$quiet <- quiet
  st$roles <- roles
  st$i <- 0L
  st$n <- 11L
  st$t0 <- proc.time()[["elapsed"]]
  st$seconds <- numeric()
  st$items <- list()
  st$files <- data.frame(item = character(), title = character(), format = character(),
                         path = character(), stringsAsFactors = FALSE)
  st
}

rep_say <- function(st, ...) if (!st$quiet) message(...)

rep_secs <- function(s) paste0(formatC(s, format = "f", digits = 1), " s")

# Runs one step: announces it, evaluates `expr` (its messages silenced when
# quiet), then prints the step's summary line and time.
rep_step <- function(st, label, expr) {
  st$i <- st$i + 1L
  rep_say(st, sprintf("[%2d/%d] %s", st$i, st$n, label))
  t0 <- proc.time()[["elapsed"]]
  val <- if (st$quiet) suppressMessages(expr) else expr
  secs <- proc.time()[["elapsed"]] - t0
  st$seconds[label] <- secs
  note <- attr(val, "summary")
  attr(val, "summary") <- NULL
  rep_say(st, "        ", if (length(note)) paste0(note, " ") else "", "(", rep_secs(secs), ")")
  val
}

# Writes one table in every requested format; `make(format)` returns its lines.
rep_write_table <- function(st, item, title, make) {
  ext <- names(st$formats)
  paths <- file.path(st$out, paste0(item, ".", ext))
  lines <- list()
  for (j in seq_along(ext)) {
    lines[[ext[j]]] <- as.character(make(unname(st$formats[j])))
    writeLines(lines[[ext[j]]], paths[j], useBytes = TRUE)
  }
  md <- lines[["md"]]
  # the index has the title as a heading already: drop the caption line
  if (length(md) > 1L && startsWith(md[1], "**") && !nzchar(md[2])) md <- md[-(1:2)]
  rep_register(st, item, title, "table", ext, paths,
               show = md %||% c("```", lines[[1]], "```"))
}

# Draws one figure into a PNG file (a PDF when PNG is not available).
rep_write_figure <- function(st, item, title, draw, width = 7, height = 5,
                             notes = NULL, png_ok = isTRUE(capabilities("png"))) {
  ext <- if (png_ok) "png" else "pdf"
  path <- file.path(st$out, paste0(item, ".", ext))
  if (png_ok) {
    grDevices::png(path, width = width, height = height, units = "in", res = 120)
  } else {
    grDevices::pdf(path, width = width, height = height)
  }
  dev <- grDevices::dev.cur()
  tryCatch(draw(), finally = grDevices::dev.off(dev))
  rep_register(st, item, title, "figure", ext, path, show = NULL, notes = notes)
}

rep_register <- function(st, item, title, kind, ext, paths, show, notes = NULL) {
  st$files <- rbind(st$files, data.frame(item = item, title = title, format = ext,
                                         path = paths, stringsAsFactors = FALSE))
  st$items[[item]] <- list(item = item, title = title, kind = kind, ext = ext,
                           files = basename(paths), show = show, notes = notes)
  invisible(paths)
}

# The shipped panel with the study's roles: the run can be scored against the
# article (compare_published()).
rep_is_smartcity <- function(data, roles) {
  defaults <- formals(replicate_study)
  same <- vapply(c("outcome", "treat", "id", "time", "moderator"), function(k)
    identical(roles[[k]], eval(defaults[[k]])), TRUE)
  all(same) && identical(roles$controls, eval(defaults$controls)) &&
    isTRUE(all.equal(data, as.data.frame(smartdid::smartcity), check.attributes = FALSE))
}

# Writes the cell-by-cell comparison with the published tables (CSV and
# Markdown) and registers it in the index.
rep_comparison <- function(st, res) {
  cmp <- compare_published(list(results = res))
  s <- attr(cmp, "score")
  csv <- file.path(st$out, "comparison.csv")
  utils::write.csv(as.data.frame(cmp), csv, row.names = FALSE)
  fmt <- function(x) formatC(x, format = "f", digits = 2)
  md_rows <- paste0("| ", cmp$table, " | ", cmp$column, " | ", cmp$term, " | ",
                    fmt(cmp$t), " (", cmp$pub_class, ") | ", fmt(cmp$sim_t), " (",
                    cmp$sim_class, ") | ", ifelse(cmp$agrees, "yes", "**no**"), " | ",
                    cmp$note, " |")
  md <- c(paste0("Score: ", s$agree[nrow(s)], " of ", s$cells[nrow(s)],
                 " coefficient cells in the same significance class (",
                 sprintf("%.0f %%", 100 * s$share[nrow(s)]), "); by table: ",
                 paste0(s$table[-nrow(s)], " ", s$agree[-nrow(s)], "/", s$cells[-nrow(s)],
                        collapse = ", "), "."),
          "", "| Article table | Column | Term | Published t (class) | Here t (class) | Agrees | Note |",
          "|---|---|---|---|---|---|---|", md_rows)
  mdp <- file.path(st$out, "comparison.md")
  writeLines(c("# The replication against the published tables", "", md), mdp,
             useBytes = TRUE)
  rep_register(st, "comparison", "Comparison with the published tables", "table",
               c("csv", "md"), c(csv, mdp), show = md,
               notes = "Significance classes from |t| (normal critical values); see ?compare_published.")
  structure(cmp, summary = paste0(s$agree[nrow(s)], "/", s$cells[nrow(s)], " cells agree"))
}

# A link to the installed replication vignette, which sets every table next to
# the published one (nothing when the vignettes were not built).
rep_vignette_link <- function() {
  html <- system.file("doc", "smartcity-replication.html", package = "smartdid")
  if (!nzchar(html)) return(character())
  c("", paste0("The tables next to the published ones, step by step: the vignette ",
               "[Replicating the smart-city study](",
               utils::URLencode(paste0("file://", normalizePath(html, winslash = "/"))),
               ") (`vignette(\"smartcity-replication\", package = \"smartdid\")`)."))
}

rep_index <- function(st, data_name, data, d, draws, seed) {
  r <- st$roles
  path <- file.path(st$out, "index.md")
  head <- c(
    "# Replication of the smart-city study",
    "",
    paste0("Data: `", data_name, "`, ", format(nrow(d), big.mark = ","), " rows, ",
           length(unique(d[[r$id]])), " units (`", r$id, "`), ",
           length(unique(d[[r$time]])), " periods (`", r$time, "`). Outcome `",
           r$outcome, "`, treatment `", r$treat %||% r$cohort, "`, controls ",
           paste0("`", r$controls, "`", collapse = ", "), "."),
    if (!is.null(attr(data, "params")))
      c("", paste0("**These data are simulated** by `simulate_smartcity()`, calibrated ",
                   "to the published balance table and estimates; they are not real ",
                   "city data, and the numbers below are not the article's.")),
    rep_vignette_link(),
    "",
    paste0("Made by `replicate_study()` (smartdid ", getNamespaceVersion("smartdid"),
           "); placebo draws: ", draws, ", seed: ", if (is.null(seed)) "none" else seed,
           ". Files in the article's order:"),
    "")
  toc <- c("| Item | Files |", "|---|---|")
  body <- character()
  for (it in st$items) {
    links <- paste0("[", it$ext, "](", it$files, ")", collapse = " ")
    toc <- c(toc, paste0("| ", it$title, " | ", links, " |"))
    body <- c(body, "", paste0("## ", it$title), "",
              if (it$kind == "figure" && it$ext == "png")
                paste0("![", it$title, "](", it$files, ")")
              else if (it$kind == "figure") paste0("[", it$files, "](", it$files, ")")
              else it$show,
              if (length(it$notes)) c("", it$notes))
  }
  writeLines(c(head, toc, body), path, useBytes = TRUE)
  st$files <- rbind(st$files, data.frame(item = "index", title = "Index", format = "md",
                                         path = path, stringsAsFactors = FALSE))
  path
}
