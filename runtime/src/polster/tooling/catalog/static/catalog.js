// The Polster catalog's own script: no library, no network. Works from file://.
// On the index: filter assets by text, light the graph's edges of the asset under the
// pointer. On an asset page: the column in the address (#column-NAME) is highlighted and
// its lineage traced upstream across layers, each step a link to follow.
(function () {
  "use strict";
  var data = window.POLSTER_CATALOG || { assets: {} };
  var PREFIX = "column-";

  function element(tag, attributes, text) {
    var node = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (name) {
      node.setAttribute(name, attributes[name]);
    });
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function columnLink(asset, column, root) {
    return element("a", {
      href: root + "assets/" + asset + ".html#" + encodeURIComponent(PREFIX + column),
      "class": "trace-link",
      "data-asset": asset,
      "data-column": column
    }, asset + "." + column);
  }

  // The upstream columns of asset.column, recursively, as nested lists.
  function trace(asset, column, root, seen) {
    var list = element("ul");
    var entry = ((data.assets[asset] || {}).columns || {})[column];
    if (!entry) return list;
    if (entry.opaque) {
      list.appendChild(element("li", { "class": "opaque" }, "unknown: an opaque step computes it"));
      return list;
    }
    (entry.from || []).forEach(function (pair) {
      var key = pair[0] + "." + pair[1];
      var item = element("li", { "class": "trace-step" });
      item.appendChild(columnLink(pair[0], pair[1], root));
      if (!seen[key]) {
        seen[key] = true;
        var below = trace(pair[0], pair[1], root, seen);
        if (below.children.length) item.appendChild(below);
      }
      list.appendChild(item);
    });
    return list;
  }

  function showColumn() {
    var heading = document.getElementById("asset");
    var panel = document.getElementById("trace");
    if (!heading || !panel) return;
    var asset = heading.getAttribute("data-asset");
    document.querySelectorAll("tr.column.selected").forEach(function (row) {
      row.classList.remove("selected");
    });
    var id = decodeURIComponent(window.location.hash.slice(1));
    if (id.indexOf(PREFIX) !== 0) { panel.hidden = true; return; }
    var column = id.slice(PREFIX.length);
    var row = document.getElementById(id);
    if (row) { row.classList.add("selected"); row.scrollIntoView({ block: "center" }); }
    panel.textContent = "";
    panel.appendChild(element("h2", {}, "Lineage of " + asset + "." + column));
    var entry = ((data.assets[asset] || {}).columns || {})[column];
    if (!entry || (entry.from === null && !entry.opaque)) {
      var layer = (data.assets[asset] || {}).layer;
      panel.appendChild(element("p", { "class": "trace-none" }, layer === "bronze"
        ? "A bronze column: it comes from the source as it arrived."
        : "No lineage is known for this column."));
    } else {
      var tree = trace(asset, column, "../", {});
      tree.setAttribute("id", "trace-tree");
      panel.appendChild(tree);
    }
    panel.hidden = false;
    panel.setAttribute("data-column", column);
  }

  function filterAssets(text) {
    var words = text.toLowerCase().split(/\s+/).filter(Boolean);
    document.querySelectorAll("tr.asset-row").forEach(function (row) {
      var haystack = row.getAttribute("data-search") || "";
      var shown = words.every(function (word) { return haystack.indexOf(word) !== -1; });
      row.hidden = !shown;
      var node = document.querySelector('svg.graph .node[data-asset="' + row.getAttribute("data-asset") + '"]');
      if (node) node.classList.toggle("dim", !shown);
    });
  }

  function lightEdges(asset, on) {
    document.querySelectorAll("svg.graph .edge").forEach(function (edge) {
      var touches = edge.getAttribute("data-from") === asset || edge.getAttribute("data-to") === asset;
      edge.classList.toggle("lit", on && touches);
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var search = document.getElementById("search");
    if (search) {
      search.addEventListener("input", function () { filterAssets(search.value); });
    }
    document.querySelectorAll("svg.graph .node").forEach(function (node) {
      var asset = node.getAttribute("data-asset");
      node.addEventListener("mouseenter", function () { lightEdges(asset, true); });
      node.addEventListener("mouseleave", function () { lightEdges(asset, false); });
    });
    window.addEventListener("hashchange", showColumn);
    showColumn();
    document.documentElement.setAttribute("data-catalog", "ready");
  });
})();
