// Horizontal bar charts (ECharts, vendored) drawn from a JSON spec that the page embeds
// with json_script: <div class="chart" data-chart="ID-of-the-JSON"></div>, inside a
// <div class="chart-scroll"> box. Every category gets its own row of ROW px, so labels
// never overlap and bars stay readable at 10 or 1,000 units: the chart grows with the
// count and the box scrolls (issue 13: 89 units had a label for every fifth unit and
// bars 1-3 px high). Spec: {categories: [...], series: [{name, data}], stack: bool,
// percent: bool (each row's values as shares of its total, bars full width),
// max: number|null, suffix: "%"|"", labels: bool (the value at the bar's end)}.
(function () {
  "use strict";
  var COLORS = ["#237a3b", "#1d4ed8", "#a15c07", "#b42318", "#52606d"];
  var ROW = 28; // px per category: bars of 16-18 px and a 12 px label with room around it
  var BAR = 16;

  function shares(spec) {
    // Each category's values as a share of its total, to one decimal.
    return spec.series.map(function (s) {
      return s.data.map(function (value, i) {
        var total = 0;
        spec.series.forEach(function (t) { total += t.data[i]; });
        return total ? Math.round(value * 1000 / total) / 10 : 0;
      });
    });
  }

  function draw(el) {
    var spec = JSON.parse(document.getElementById(el.getAttribute("data-chart")).textContent);
    var n = spec.categories.length;
    var grouped = !spec.stack && spec.series.length > 1;
    var row = grouped ? ROW + 12 : ROW;
    el.style.height = Math.max(n, 1) * row + 40 + "px"; // CSSOM: allowed by the CSP
    var values = spec.percent ? shares(spec) : spec.series.map(function (s) { return s.data; });
    var suffix = spec.suffix || (spec.percent ? "%" : "");
    var labelWidth = Math.round(Math.min(220, Math.max(90, el.clientWidth * 0.3)));
    // SVG: a tall chart stays sharp and within the browser's canvas size limits.
    var chart = window.echarts.init(el, null, {renderer: "svg"});
    chart.setOption({
      animation: false,
      color: COLORS,
      legend: {show: false}, // drawn in HTML above the scrolling box, so it stays in view
      tooltip: {
        trigger: "axis", axisPointer: {type: "shadow"}, renderMode: "richText",
        formatter: function (items) {
          var lines = [items[0].name];
          items.forEach(function (item) {
            var raw = spec.series[item.seriesIndex].data[item.dataIndex];
            lines.push(item.seriesName + "  " + (spec.percent ? raw + "（" + item.value + "%）" : item.value + suffix));
          });
          return lines.join("\n");
        }
      },
      grid: {left: 8, right: spec.labels ? 48 : 16, top: 28, bottom: 8, containLabel: true},
      xAxis: {type: "value", position: "top", max: spec.percent ? 100 : (spec.max || null),
              axisLabel: {formatter: "{value}" + suffix, color: "#3e4c59"}},
      yAxis: {
        type: "category", data: spec.categories, inverse: true,
        axisTick: {show: false},
        axisLabel: {interval: 0, width: labelWidth, overflow: "truncate", color: "#1f2933", fontSize: 12}
      },
      series: spec.series.map(function (s, k) {
        return {
          name: s.name, type: "bar", data: values[k], stack: spec.stack ? "all" : undefined,
          barWidth: grouped ? 12 : BAR, barGap: "10%",
          label: {show: !!spec.labels, position: "right", formatter: "{c}" + suffix, color: "#1f2933"}
        };
      })
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var charts = document.querySelectorAll(".chart[data-chart]");
    for (var i = 0; i < charts.length; i++) draw(charts[i]);
  });
})();
