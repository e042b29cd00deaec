internal import Foundation
internal import Grading

/// Escaping for text and attribute values: every string that comes from a manifest, a
/// page, a registry or an agent goes through here.
enum HTML {
  static func escape(_ s: String) -> String {
    var out = ""
    out.reserveCapacity(s.utf8.count)
    for c in s.unicodeScalars {
      switch c {
      case "&": out += "&amp;"
      case "<": out += "&lt;"
      case ">": out += "&gt;"
      case "\"": out += "&quot;"
      case "'": out += "&#39;"
      default: out.unicodeScalars.append(c)
      }
    }
    return out
  }
}

extension CuratorReport {
  /// The whole report as one self-contained HTML page: inline CSS, inline SVG plots, a few
  /// lines of inline script for sorting, and a content security policy that forbids
  /// loading anything else.
  public func html() -> String {
    var page = """
      <!DOCTYPE html>
      <html lang="en">
      <head>
      <meta charset="utf-8">
      <meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'">
      <title>Dojo curator's report</title>
      <script>
      window.onerror = function (message) {
        var root = document.documentElement;
        root.setAttribute('data-errors', (root.getAttribute('data-errors') || '') + message + ';');
      };
      </script>
      <style>\(Self.style)</style>
      </head>
      <body>
      <h1>Dojo curator's report</h1>
      <p class="muted">Registry <code>\(HTML.escape(registryPath))</code>, generated \(HTML.escape(generatedAt)).
      Click a column heading to sort; <code>#sort=TABLE:COLUMN[:desc]</code> in the address sorts on load.</p>

      """
    page += summarySection()
    page += tasksSection()
    page += plotsSection()
    page += sessionsSection()
    page += agentsSection()
    page += "<script>\(Self.script)</script>\n</body>\n</html>\n"
    return page
  }

  private func summarySection() -> String {
    let s = summary
    var html = "<section id=\"summary\"><h2>Summary</h2><div class=\"cards\">"
    for (label, value) in [
      ("tasks", s.tasks), ("published", s.published), ("validation passed", s.passed),
      ("failing", s.failed), ("with warnings", s.warned),
    ] {
      html +=
        "<div class=\"card\"><div class=\"n\">\(value)</div><div class=\"muted\">\(label)</div></div>"
    }
    html += "</div><div class=\"columns\">"
    html += countTable(
      id: "failing-by-check", title: "Failing, by check",
      rows: s.failingByCheck.sorted { $0.key < $1.key }.map { ($0.key, [$0.value]) },
      headers: ["check", "tasks"])
    html += countTable(
      id: "warned-by-name", title: "Warnings",
      rows: s.warnedByName.sorted { $0.key < $1.key }.map { ($0.key, [$0.value]) },
      headers: ["warning", "tasks"])
    html += countTable(
      id: "by-category", title: "By category",
      rows: s.byCategory.sorted { $0.key < $1.key }.map {
        ($0.key, [$0.value.tasks, $0.value.failing])
      },
      headers: ["category", "tasks", "failing"])
    html += countTable(
      id: "by-metric", title: "By metric",
      rows: s.byMetric.sorted { $0.key < $1.key }.map {
        ($0.key, [$0.value.tasks, $0.value.failing])
      },
      headers: ["metric", "tasks", "failing"])
    return html + "</div></section>\n"
  }

  private func countTable(id: String, title: String, rows: [(String, [Int])], headers: [String])
    -> String
  {
    var html = "<div><h3>\(HTML.escape(title))</h3>"
    if rows.isEmpty { return html + "<p class=\"muted\">None.</p></div>" }
    html += "<table id=\"\(id)\" class=\"sortable\"><thead><tr>"
    for (i, h) in headers.enumerated() {
      html += "<th data-key=\"\(h)\" data-type=\"\(i == 0 ? "text" : "num")\">\(h)</th>"
    }
    html += "</tr></thead><tbody>"
    for (name, values) in rows {
      html +=
        "<tr><td>\(HTML.escape(name))</td>" + values.map { "<td class=\"num\">\($0)</td>" }.joined()
        + "</tr>"
    }
    return html + "</tbody></table></div>"
  }

  private func tasksSection() -> String {
    let columns: [(key: String, label: String, numeric: Bool)] = [
      ("id", "id", false), ("title", "title", false), ("category", "category", false),
      ("metric", "metric", false), ("train_rows", "train rows", true),
      ("test_rows", "test rows", true), ("status", "last validation", false),
      ("reference_score", "reference score", true), ("human_rank", "HumanRank", true),
      ("medal", "medal", false), ("prepare_s", "prepare s", true),
      ("warnings", "warnings", false),
    ]
    var html = "<section><h2>Tasks</h2><table id=\"tasks\" class=\"sortable\"><thead><tr>"
    for c in columns {
      html +=
        "<th data-key=\"\(c.key)\" data-type=\"\(c.numeric ? "num" : "text")\">\(c.label)</th>"
    }
    html += "</tr></thead><tbody>\n"
    for t in tasks {
      let medal = t.reference.map(Self.medal) ?? ""
      var status = "<span class=\"\(t.status.rawValue)\">\(t.status.rawValue)</span>"
      if t.status == .failed {
        status +=
          ": <b>\(HTML.escape(t.failedCheck ?? "?"))</b> <span class=\"message\">\(HTML.escape(t.message ?? ""))</span>"
      }
      html += "<tr>"
      html += "<td><a href=\"#task-\(HTML.escape(t.id))\">\(HTML.escape(t.id))</a></td>"
      html += "<td>\(HTML.escape(t.title))</td>"
      html += "<td>\(HTML.escape(t.category ?? ""))</td>"
      html += "<td>\(HTML.escape(t.metric ?? ""))</td>"
      html += Self.numberCell(t.trainRows.map(Double.init), text: t.trainRows.map(String.init))
      html += Self.numberCell(t.testRows.map(Double.init), text: t.testRows.map(String.init))
      html += "<td data-sort=\"\(t.status.rawValue)\">\(status)</td>"
      html += Self.numberCell(t.referenceScore, text: t.referenceScore.map(SVGPlots.format))
      html += Self.numberCell(
        t.reference?.humanRank, text: t.reference.map { String(format: "%.3f", $0.humanRank) })
      html += "<td data-sort=\"\(Self.medalOrder(medal))\">\(medal)</td>"
      html += Self.numberCell(
        t.prepareSeconds, text: t.prepareSeconds.map { String(format: "%.2f", $0) })
      html += "<td>\(Self.warnings(t.warnings))</td>"
      html += "</tr>\n"
    }
    return html + "</tbody></table></section>\n"
  }

  /// A task's warnings: each that holds in bold, each not measured as "not run", with its
  /// detail beside it.
  static func warnings(_ warnings: [TaskWarning]) -> String {
    warnings.map { w in
      (w.warned
        ? "<b class=\"warned\">\(HTML.escape(w.name))</b>"
        : "<span class=\"muted\">\(HTML.escape(w.name)) not run</span>")
        + " <span class=\"message\">\(HTML.escape(w.detail))</span>"
    }.joined(separator: "<br>")
  }

  private func plotsSection() -> String {
    var html = "<section><h2>Leaderboards</h2>"
    html +=
      "<p class=\"muted\">Bars: the human leaderboard's scores. Lines: gold, silver and bronze thresholds and the median (dashed). Diamond: the reference solution. Dots under the axis: graded runtime submissions.</p>"
    for t in tasks where !t.leaderboard.isEmpty {
      html += "<div class=\"task\" id=\"task-\(HTML.escape(t.id))\"><h3>\(HTML.escape(t.title))"
      html +=
        " <span class=\"muted\">\(HTML.escape(t.id)) · \(HTML.escape(t.metric ?? ""))</span></h3>"
      html += SVGPlots.leaderboard(t) + "</div>\n"
    }
    return html + "</section>\n"
  }

  private func sessionsSection() -> String {
    var html = "<section id=\"sessions\"><h2>Runtime sessions</h2>"
    if sessions.isEmpty { return html + "<p class=\"muted\">No session yet.</p></section>\n" }
    let silent = sessions.filter { $0.points.isEmpty }
    if !silent.isEmpty {
      let byAgent = Dictionary(grouping: silent, by: \.agent).map { "\($0.key): \($0.value.count)" }
        .sorted().joined(separator: ", ")
      html +=
        "<p class=\"muted\">\(silent.count) session\(silent.count == 1 ? "" : "s") without a valid submission (\(HTML.escape(byAgent))).</p>"
    }
    for s in sessions where !s.points.isEmpty {
      html += "<div class=\"session\"><h3>\(HTML.escape(s.agent)) on \(HTML.escape(s.task))"
      html +=
        " <span class=\"muted\">session \(HTML.escape(String(s.id.prefix(8)))) · \(s.steps) steps · \(s.points.count) valid</span></h3>"
      html += SVGPlots.session(s) + "</div>\n"
    }
    return html + "</section>\n"
  }

  private func agentsSection() -> String {
    var html = "<section><h2>Agents</h2>"
    if agents.isEmpty { return html + "<p class=\"muted\">No agent has run yet.</p></section>\n" }
    let headers = [
      ("rank", "#", true), ("agent", "agent", false), ("rating", "rating", true),
      ("rating_ci", "95% interval", false), ("tasks", "tasks attempted", true),
      ("valid", "valid submissions", true), ("human_rank", "mean HumanRank", true),
      ("gold", "gold", true), ("silver", "silver", true), ("bronze", "bronze", true),
      ("any_medal", "any medal", true), ("above_median", "above median", true),
    ]
    html += "<table id=\"agents\" class=\"sortable\"><thead><tr>"
    for (key, label, numeric) in headers {
      html += "<th data-key=\"\(key)\" data-type=\"\(numeric ? "num" : "text")\">\(label)</th>"
    }
    html += "</tr></thead><tbody>"
    for a in agents {
      let percent = { (n: Int) -> String in
        a.tasksAttempted == 0
          ? "\(n)" : "\(n) (\(String(format: "%.0f", 100 * Double(n) / Double(a.tasksAttempted)))%)"
      }
      html += "<tr>" + Self.numberCell(Double(a.rank), text: "\(a.rank)")
      html += "<td>\(HTML.escape(a.agent))</td>"
      html += Self.numberCell(a.rating, text: String(format: "%.0f", a.rating))
      html += "<td>\(String(format: "%.0f–%.0f", a.ratingLow, a.ratingHigh))</td>"
      html += Self.numberCell(Double(a.tasksAttempted), text: "\(a.tasksAttempted)")
      html += Self.numberCell(Double(a.validSubmissions), text: "\(a.validSubmissions)")
      html += Self.numberCell(a.meanHumanRank, text: String(format: "%.3f", a.meanHumanRank))
      for n in [a.gold, a.silver, a.bronze, a.anyMedal, a.aboveMedian] {
        html += Self.numberCell(Double(n), text: percent(n))
      }
      html += "</tr>"
    }
    html += "</tbody></table><p class=\"muted\">\(HTML.escape(ratingMethod))</p></section>\n"
    return html
  }

  static func numberCell(_ value: Double?, text: String?) -> String {
    guard let value, let text else { return "<td class=\"num\" data-sort=\"\"></td>" }
    return "<td class=\"num\" data-sort=\"\(value)\">\(HTML.escape(text))</td>"
  }

  static func medal(_ p: Placement) -> String {
    p.gold
      ? "gold" : p.silver ? "silver" : p.bronze ? "bronze" : p.aboveMedian ? "above median" : "—"
  }

  static func medalOrder(_ medal: String) -> String {
    ["gold": "1", "silver": "2", "bronze": "3", "above median": "4", "—": "5"][medal] ?? "6"
  }

  static let style = """
    body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:24px;color:#222;max-width:1280px}
    h1{margin:0 0 4px}h2{margin-top:28px;border-bottom:1px solid #ddd;padding-bottom:4px}h3{margin:14px 0 6px;font-size:15px}
    .muted{color:#777;font-weight:normal}code{background:#f3f3f3;padding:1px 4px;border-radius:3px}
    .cards{display:flex;gap:12px;margin:10px 0}.card{border:1px solid #ddd;border-radius:6px;padding:8px 16px;min-width:110px}
    .card .n{font-size:24px;font-weight:600}.columns{display:flex;gap:28px;flex-wrap:wrap;align-items:flex-start}
    table{border-collapse:collapse;margin:6px 0;font-size:13px}td:first-child{white-space:nowrap}th,td{border-bottom:1px solid #e4e4e4;padding:4px 8px;text-align:left;vertical-align:top}
    th{background:#f6f6f6;cursor:pointer;user-select:none;white-space:nowrap}th[aria-sort=ascending]::after{content:" ▲"}th[aria-sort=descending]::after{content:" ▼"}
    td.num{text-align:right;font-variant-numeric:tabular-nums}.passed{color:#1b7a3a}.failed{color:#b3261e;font-weight:600}.published{color:#555}.warned{color:#9a5b00}
    .message{color:#555;font-size:12px}.task,.session{display:inline-block;margin:0 18px 12px 0;vertical-align:top}
    svg.plot{background:#fcfcfc;border:1px solid #eee}
    """

  /// Sorting: a click on a heading sorts its table by that column (again to reverse);
  /// `#sort=TABLE:COLUMN[:desc]` sorts on load. Empty cells go last either way.
  static let script = """
    (function () {
      function key(cell, numeric) {
        var v = cell.getAttribute('data-sort');
        if (v === null) { v = cell.textContent; }
        if (numeric) { return v === '' ? null : parseFloat(v); }
        return v.toLowerCase();
      }
      function sortTable(table, column, descending) {
        var header = table.tHead.rows[0].cells[column];
        var numeric = header.getAttribute('data-type') === 'num';
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = key(a.cells[column], numeric), y = key(b.cells[column], numeric);
          if (x === null || y === null) { return x === y ? 0 : (x === null ? 1 : -1); }
          var order = x < y ? -1 : (x > y ? 1 : 0);
          return descending ? -order : order;
        });
        rows.forEach(function (row) { body.appendChild(row); });
        Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th) {
          th.removeAttribute('aria-sort');
        });
        header.setAttribute('aria-sort', descending ? 'descending' : 'ascending');
      }
      Array.prototype.forEach.call(document.querySelectorAll('table.sortable'), function (table) {
        Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, column) {
          th.addEventListener('click', function () {
            sortTable(table, column, th.getAttribute('aria-sort') === 'ascending');
          });
        });
      });
      var wanted = /^#sort=([A-Za-z0-9_-]+):([A-Za-z0-9_-]+)(:desc)?$/.exec(location.hash);
      if (wanted) {
        var table = document.getElementById(wanted[1]);
        var th = table && table.querySelector('th[data-key="' + wanted[2] + '"]');
        if (th) { sortTable(table, th.cellIndex, !!wanted[3]); }
      }
      document.body.setAttribute('data-ready', 'yes');
    })();
    """
}
