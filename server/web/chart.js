// chart.js - SVG charts (being written)
