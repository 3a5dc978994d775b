"""JavaScript that browser tests and bench/page_weight.py run inside a page."""

# Scrolls to the first visible chart box that assets/charts.js has not drawn yet (charts are
# drawn when they come near the viewport); true once every visible chart is drawn.
DRAW_ALL = """() => {
  const boxes = [...document.querySelectorAll('.card-graph')].filter(box => box.offsetParent !== null);
  const waiting = boxes.filter(box => !box.querySelector('.js-plotly-plot .svg-container'));
  if (waiting.length) { waiting[0].scrollIntoView({block: 'center'}); }
  return waiting.length === 0;
}"""
