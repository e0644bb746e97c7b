// The home chart: orders (bars) and paid revenue (line, major units) per day.
(function () {
  "use strict";
  var canvas = document.getElementById("home-chart");
  if (!canvas || typeof Chart === "undefined") return;
  function data(id) { return JSON.parse(document.getElementById(id).textContent); }
  var currency = data("chart-currency");
  var money = new Intl.NumberFormat(document.documentElement.lang || "en", { style: "currency", currency: currency });
  new Chart(canvas, {
    data: {
      labels: data("chart-labels"),
      datasets: [
        { type: "bar", label: "Orders", data: data("chart-orders"), yAxisID: "orders", backgroundColor: "rgba(121, 174, 200, 0.6)" },
        { type: "line", label: "Paid revenue (" + currency + ")", data: data("chart-revenue"), yAxisID: "revenue", borderColor: "#1e7e34", tension: 0.2 }
      ]
    },
    options: {
      animation: false,
      interaction: { mode: "index", intersect: false },
      scales: {
        orders: { position: "right", beginAtZero: true, ticks: { precision: 0 } },
        revenue: { position: "left", beginAtZero: true, ticks: { callback: function (v) { return money.format(v); } } }
      },
      plugins: { tooltip: { callbacks: { label: function (item) {
        return item.dataset.yAxisID === "revenue" ? "Paid revenue: " + money.format(item.raw) : "Orders: " + item.raw;
      } } } }
    }
  });
  canvas.dataset.ready = "1";
})();
