// app.js - the dashboard: polls /debug/uiz (answered "unchanged" when
// nothing moved) and draws the view the address's #fragment names. Text from
// the server (node ids, file names, NACK messages) only ever goes through
// textContent: any xDS client picks its own node id.
'use strict';
(function () {
  var POLL_MS = 500;
  var TYPES = ['CDS', 'LDS', 'EDS', 'RDS', 'SDS'];
  var state = null;
  var stamp = '';
  var samples = [];           // {t, pushes, nacks, rejected}: activity since the page opened
  var opened = Date.now();
  var sort = {key: 'id', dir: 1};
  var filterText = '';
  var openNacks = {};         // "id|TYPE" -> shown
  var egress = {gen: -1, data: null, missing: false};
  var proxyView = {id: null, key: '', data: null};
  var main = document.getElementById('main');
  var live = document.getElementById('live');

  function el(tag, attrs, kids) {
    var e = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (k) {
        if (k === 'text') e.textContent = attrs[k];
        else if (k === 'on') Object.keys(attrs.on).forEach(function (ev) { e.addEventListener(ev, attrs.on[ev]); });
        else e.setAttribute(k, attrs[k]);
      });
    }
    (kids || []).forEach(function (c) {
      if (c !== null && c !== undefined) e.appendChild(typeof c === 'string' ? document.createTextNode(c) : c);
    });
    return e;
  }

  // Redraws replace elements: the one with the keyboard focus gets it back
  // through its data-focus name.
  function keepFocus(redraw) {
    var a = document.activeElement;
    var key = a && a.getAttribute ? a.getAttribute('data-focus') : null;
    redraw();
    if (!key) return;
    var e = document.querySelector('[data-focus="' + CSS.escape(key) + '"]');
    if (e && e !== document.activeElement) {
      e.focus();
      if (e.setSelectionRange) e.setSelectionRange(e.value.length, e.value.length);
    }
  }

  function get(path) {
    return fetch(path, {cache: 'no-store'}).then(function (r) {
      if (r.status === 404) return null;
      if (!r.ok) throw new Error(path + ': HTTP ' + r.status);
      return r.json();
    });
  }

  function route() {
    var h = decodeURIComponent(location.hash.replace(/^#/, ''));
    if (h.indexOf('proxy=') === 0) return {view: 'proxy', id: h.slice(6)};
    if (h === 'proxies' || h === 'egress') return {view: h};
    return {view: 'overview'};
  }

  function statusCell(word) {
    return el('span', {'class': 'st st-' + word.replace(' ', '-'), text: word});
  }

  function time(t) {
    return t ? t.replace('T', ' ').replace(/\.\d+Z$|Z$/, ' UTC') : '-';
  }

  // ---- overview ---------------------------------------------------------------------------

  function diagTable(id, list, what) {
    if (!list.length) return el('p', {id: id, 'class': 'empty', text: 'No ' + what + '.'});
    var rows = list.map(function (d) {
      return el('tr', null, [
        el('td', {'class': 'mono', text: d.file + ':' + d.line + ':' + d.column}),
        el('td', {text: d.resource || '-'}),
        el('td', {text: d.message})]);
    });
    return el('table', {id: id}, [
      el('thead', null, [el('tr', null, [el('th', {text: 'FILE:LINE:COL'}), el('th', {text: 'RESOURCE'}), el('th', {text: 'MESSAGE'})])]),
      el('tbody', null, rows)]);
  }

  function since(ms, key) {   // what a counter grew by in the last ms, from the samples
    var now = samples[samples.length - 1], old = now;
    for (var i = samples.length - 1; i >= 0 && now.t - samples[i].t <= ms; i--) old = samples[i];
    return now[key] - old[key];
  }

  function overview() {
    var s = state;
    var byType = {sidecar: 0, router: 0, proxyless: 0};
    s.proxies.forEach(function (p) { byType[p.type] = (byType[p.type] || 0) + 1; });
    var result = s.rejected ? 'REJECTED' : 'ACCEPTED';
    var facts = el('dl', {'class': 'facts'}, [
      el('dt', {text: 'Generation'}), el('dd', {id: 'generation', text: s.loaded ? String(s.generation) : 'none loaded'}),
      el('dt', {text: 'Source'}), el('dd', {text: s.source + (s.source_reason ? ' (' + s.source_reason + ')' : '')}),
      el('dt', {text: 'Last reload'}), el('dd', {id: 'reload'}, [statusCell(result),
        ' ' + s.errors.length + ' error' + (s.errors.length === 1 ? '' : 's') + ', ' +
        s.warnings.length + ' warning' + (s.warnings.length === 1 ? '' : 's')]),
      el('dt', {text: 'Resources'}), el('dd', {text: String(s.resources)}),
      el('dt', {text: 'Reloads'}), el('dd', {text: s.reloads_ok + ' accepted, ' + s.reloads_rejected + ' rejected'})]);
    var counts = [['Pushes', 'pushes'], ['NACKs', 'nacks'], ['Rejected reloads', 'rejected']].map(function (c) {
      return el('tr', null, [el('th', {scope: 'row', text: c[0]}),
        el('td', {text: String(since(60000, c[1]))}), el('td', {text: String(since(300000, c[1]))}),
        el('td', {text: String(samples[samples.length - 1][c[1]])})]);
    });
    var types = Object.keys(byType).map(function (k) {
      return el('tr', null, [el('th', {scope: 'row', text: k}), el('td', {text: String(byType[k])})]);
    });
    return [
      el('h2', {text: 'Configuration'}), facts,
      el('h2', {text: 'Errors'}), diagTable('errors', s.errors, 'errors'),
      el('h2', {text: 'Warnings'}), diagTable('warnings', s.warnings, 'warnings'),
      el('h2', {text: 'Connected proxies: ' + s.proxies.length}),
      el('table', {'class': 'counts', id: 'by-type'}, [el('tbody', null, types)]),
      el('h2', {text: 'Activity'}),
      el('table', {'class': 'counts', id: 'activity'}, [
        el('thead', null, [el('tr', null, [el('th', {text: ''}), el('th', {text: 'last minute'}),
          el('th', {text: 'last 5 minutes'}), el('th', {text: 'since xdsd started'})])]),
        el('tbody', null, counts)]),
      el('p', {'class': 'empty', text: 'Minutes counted while this page is open (since ' + new Date(opened).toLocaleTimeString() + ').'})];
  }

  // ---- proxies ----------------------------------------------------------------------------

  var COLUMNS = [['id', 'NODE ID'], ['type', 'TYPE'], ['namespace', 'NAMESPACE'], ['protocol', 'PROTOCOL'],
    ['connected_at', 'CONNECTED SINCE']].concat(TYPES.map(function (t) { return [t, t]; }));

  function cell(p, key) {
    return TYPES.indexOf(key) >= 0 ? p.types[key].status : String(p[key] || '');
  }

  function stateButton(p, t) {
    var info = p.types[t], key = p.id + '|' + t;
    if (info.status !== 'NACKED') return statusCell(info.status);
    return el('button', {'class': 'st st-NACKED', title: info.nack || '', 'aria-expanded': openNacks[key] ? 'true' : 'false',
      'aria-label': t + ' NACKED: show the message', 'data-focus': 'nack|' + key,
      on: {click: function () { openNacks[key] = !openNacks[key]; drawProxyRows(); }}}, ['NACKED']);
  }

  function drawProxyRows() {
    keepFocus(proxyRows);
  }

  function proxyRows() {
    var body = document.getElementById('proxy-rows');
    if (!body) return;
    var f = filterText.toLowerCase();
    var list = state.proxies.filter(function (p) {
      return !f || COLUMNS.some(function (c) { return cell(p, c[0]).toLowerCase().indexOf(f) >= 0; });
    });
    list.sort(function (a, b) {
      var x = cell(a, sort.key), y = cell(b, sort.key);
      return (x < y ? -1 : x > y ? 1 : a.connection - b.connection) * sort.dir;
    });
    var rows = [];
    list.forEach(function (p) {
      rows.push(el('tr', {'data-id': p.id}, [
        el('td', {'class': 'mono'}, [el('a', {href: '#proxy=' + encodeURIComponent(p.id), text: p.id})]),
        el('td', {text: p.type}), el('td', {text: p.namespace}), el('td', {text: p.protocol}),
        el('td', {text: time(p.connected_at)})].concat(TYPES.map(function (t) {
        return el('td', {'data-type': t}, [stateButton(p, t)]);
      }))));
      TYPES.forEach(function (t) {
        if (p.types[t].status === 'NACKED' && openNacks[p.id + '|' + t])
          rows.push(el('tr', {'class': 'nack'}, [el('td', {colspan: String(COLUMNS.length),
            text: t + ' NACK at ' + time(p.types[t].nack_time) + ': ' + p.types[t].nack})]));
      });
    });
    if (!list.length)
      rows.push(el('tr', null, [el('td', {colspan: String(COLUMNS.length), 'class': 'empty',
        text: state.proxies.length ? 'No proxy matches the filter.' : 'No proxy is connected.'})]));
    body.replaceChildren.apply(body, rows);
    document.getElementById('proxy-count').textContent = list.length + ' of ' + state.proxies.length + ' proxies';
  }

  function proxies() {
    var heads = COLUMNS.map(function (c) {
      var on = sort.key === c[0];
      return el('th', {scope: 'col', 'aria-sort': on ? (sort.dir > 0 ? 'ascending' : 'descending') : 'none'}, [
        el('button', {'data-focus': 'sort|' + c[0], on: {click: function () {
          sort = {key: c[0], dir: on ? -sort.dir : 1};
          draw();
        }}}, [c[1] + (on ? (sort.dir > 0 ? ' ▲' : ' ▼') : '')])]);
    });
    var input = el('input', {type: 'search', id: 'filter', placeholder: 'node id, namespace, NACKED…',
      'aria-label': 'Filter proxies', value: filterText, 'data-focus': 'filter',
      on: {input: function (e) { filterText = e.target.value; drawProxyRows(); }}});
    return [
      el('h2', {text: 'Proxies'}),
      el('p', {'class': 'filter'}, [el('label', {'for': 'filter', text: 'Filter: '}), input, ' ',
        el('span', {id: 'proxy-count', 'class': 'empty'})]),
      el('table', {id: 'proxies'}, [el('thead', null, [el('tr', null, heads)]), el('tbody', {id: 'proxy-rows'})])];
  }

  // ---- one proxy --------------------------------------------------------------------------

  function table(t) {
    var body = t.rows.length ? t.rows.map(function (r) {
      return el('tr', null, r.map(function (c) { return el('td', {'class': 'mono', text: c}); }));
    }) : [el('tr', null, [el('td', {colspan: String(t.columns.length), 'class': 'empty',
      text: t.type === 'secrets' ? 'no secrets' : 'none sent'})])];
    return el('table', {id: 'table-' + t.type}, [el('caption', {text: t.type}),
      el('thead', null, [el('tr', null, t.columns.map(function (c) { return el('th', {scope: 'col', text: c}); }))]),
      el('tbody', null, body)]);
  }

  function proxyPage(id) {
    var p = null;
    state.proxies.forEach(function (q) { if (q.id === id) p = q; });
    var out = [el('p', null, [el('a', {href: '#proxies', text: '← all proxies'})]),
      el('h2', {'class': 'mono', text: id})];
    if (!p) {
      out.push(el('p', {'class': 'empty', text: 'This proxy is not connected.'}));
      return out;
    }
    out.push(el('dl', {'class': 'facts'}, [el('dt', {text: 'Type'}), el('dd', {text: p.type}),
      el('dt', {text: 'Namespace'}), el('dd', {text: p.namespace}),
      el('dt', {text: 'Protocol'}), el('dd', {text: p.protocol}),
      el('dt', {text: 'Address'}), el('dd', {text: p.address}),
      el('dt', {text: 'Connected since'}), el('dd', {text: time(p.connected_at)})]));
    out.push(el('table', {id: 'sync'}, [el('caption', {text: 'sync state'}),
      el('thead', null, [el('tr', null, ['TYPE', 'STATUS', 'SENT', 'ACKED', 'LAST NACK'].map(function (h) {
        return el('th', {scope: 'col', text: h});
      }))]),
      el('tbody', null, TYPES.map(function (t) {
        var i = p.types[t];
        return el('tr', null, [el('th', {scope: 'row', text: t}), el('td', null, [statusCell(i.status)]),
          el('td', {'class': 'mono', text: i.sent || '-'}), el('td', {'class': 'mono', text: i.acked || '-'}),
          el('td', {'class': 'mono', text: i.nack ? time(i.nack_time) + ': ' + i.nack : '-'})]);
      }))]));
    var key = id + '|' + TYPES.map(function (t) { return p.types[t].sent; }).join(',');
    if (proxyView.key !== key) {
      proxyView = {id: id, key: key, data: proxyView.id === id ? proxyView.data : null};
      get('/debug/proxy_config?proxyID=' + encodeURIComponent(id) + '&type=all').then(function (j) {
        if (proxyView.key === key) { proxyView.data = j; draw(); }
      }).catch(function () {});
    }
    if (proxyView.data && proxyView.id === id)
      proxyView.data.tables.forEach(function (t) { out.push(table(t)); });
    else
      out.push(el('p', {'class': 'empty', text: 'Loading what it was sent…'}));
    return out;
  }

  // ---- egress map -------------------------------------------------------------------------

  var COL = {sidecar: 0, gateway: 1, external: 2};
  var SVGNS = 'http://www.w3.org/2000/svg';

  function svg(tag, attrs, kids) {
    var e = document.createElementNS(SVGNS, tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === 'text') e.textContent = attrs[k]; else e.setAttribute(k, attrs[k]);
    });
    (kids || []).forEach(function (c) { e.appendChild(c); });
    return e;
  }

  function kindOf(id) {
    var k = id.split(':')[0];
    return COL[k] !== undefined ? COL[k] : 2;
  }

  function span(e) {
    return kindOf(e.to) - kindOf(e.from);
  }

  function edgeWords(e) {
    return (e.bypass ? 'BYPASS ' : '') + e.port + ' ' + e.tls;
  }

  function egressMap() {
    var out = [el('h2', {text: 'Egress map'})];
    if (egress.missing) {
      out.push(el('p', {id: 'egress-missing', 'class': 'empty',
        text: 'This xdsd does not serve /debug/egressz, which the map is drawn from.'}));
      return out;
    }
    var d = egress.data;
    if (!d) { out.push(el('p', {'class': 'empty', text: 'Loading…'})); return out; }
    var cols = [[], [], []], pos = {};
    d.nodes.forEach(function (n) { cols[COL[n.kind] !== undefined ? COL[n.kind] : 2].push(n); });
    var W = 250, H = 40, GAPX = 170, GAPY = 30, TOP = 40;
    var rows = Math.max(1, cols[0].length, cols[1].length, cols[2].length);
    // edges that skip a column run in lanes below the boxes, not through them
    var lanes = d.edges.filter(function (e) { return span(e) > 1; }).length;
    var width = 3 * W + 2 * GAPX + 20, bottom = TOP + rows * (H + GAPY), height = bottom + lanes * 24 + 10;
    var lane = 0;
    var g = [svg('title', {id: 'egress-title', text: 'Egress paths: sidecars, egress gateways, external hosts'}),
      svg('defs', null, [svg('marker', {id: 'arrow', viewBox: '0 0 10 10', refX: '10', refY: '5',
        markerWidth: '7', markerHeight: '7', orient: 'auto-start-reverse'}, [svg('path', {d: 'M0,0 L10,5 L0,10 z', 'class': 'tip'})])])];
    ['Sidecars', 'Egress gateways', 'External hosts'].forEach(function (t, i) {
      g.push(svg('text', {x: String(10 + i * (W + GAPX)), y: '20', 'font-weight': 'bold', text: t}));
    });
    cols.forEach(function (list, i) {
      list.sort(function (a, b) { return a.id < b.id ? -1 : 1; });
      list.forEach(function (n, j) {
        var x = 10 + i * (W + GAPX), y = TOP + j * (H + GAPY);
        pos[n.id] = {x: x, y: y};
        g.push(svg('g', {'class': 'node ' + n.kind, 'data-id': n.id}, [
          svg('rect', {x: String(x), y: String(y), width: String(W), height: String(H), rx: '4'}),
          svg('text', {x: String(x + 8), y: String(y + 25), text: n.label || n.id})]));
      });
    });
    d.edges.forEach(function (e) {
      var a = pos[e.from], b = pos[e.to];
      if (!a || !b) return;
      var x1 = a.x + W, y1 = a.y + H / 2, x2 = b.x, y2 = b.y + H / 2, mx = (x1 + x2) / 2;
      var dpath, lx, ly;
      if (span(e) > 1) {
        var ly2 = bottom + (lane++) * 24;
        dpath = 'M' + x1 + ',' + y1 + ' C' + (x1 + 50) + ',' + y1 + ' ' + (x1 + 30) + ',' + ly2 + ' ' + (x1 + 80) + ',' + ly2 +
          ' L' + (x2 - 80) + ',' + ly2 + ' C' + (x2 - 30) + ',' + ly2 + ' ' + (x2 - 50) + ',' + y2 + ' ' + x2 + ',' + y2;
        lx = mx - 60;
        ly = ly2 - 5;
      } else {
        dpath = 'M' + x1 + ',' + y1 + ' C' + mx + ',' + y1 + ' ' + mx + ',' + y2 + ' ' + x2 + ',' + y2;
        lx = x1 + 10;
        ly = y1 - 6;
      }
      g.push(svg('g', {'class': 'edge' + (e.bypass ? ' bypass' : ''), 'data-from': e.from, 'data-to': e.to}, [
        svg('path', {d: dpath, 'marker-end': 'url(#arrow)'}),
        svg('text', {x: String(lx), y: String(ly), text: edgeWords(e)})]));
    });
    out.push(svg('svg', {'class': 'map', id: 'egress-map', role: 'img', 'aria-labelledby': 'egress-title',
      viewBox: '0 0 ' + width + ' ' + height, width: String(width), height: String(height)}, g));
    var names = {};
    d.nodes.forEach(function (n) { names[n.id] = n.label || n.id; });
    out.push(el('h2', {text: 'Paths'}));
    out.push(el('ul', {'class': 'edges', id: 'egress-edges'}, d.edges.map(function (e) {
      return el('li', {'class': e.bypass ? 'bypass' : ''}, [(names[e.from] || e.from) + ' → ' + (names[e.to] || e.to) +
        ': port ' + e.port + ', ' + e.tls + (e.bypass ? ', BYPASSES the egress gateway' : '') +
        (e.request ? ' (' + e.request + ')' : '')]);
    })));
    if (!d.edges.length) out.push(el('p', {'class': 'empty', text: 'No path to an external host.'}));
    return out;
  }

  function loadEgress() {
    if (egress.gen === state.generation) return;
    egress.gen = state.generation;
    get('/debug/egressz').then(function (j) {
      egress.missing = j === null;
      egress.data = j;
      if (route().view === 'egress') draw();
    }).catch(function () { egress.gen = -1; });
  }

  // ---- drawing and polling ----------------------------------------------------------------

  function draw() {
    if (state) keepFocus(drawView);
  }

  function drawView() {
    var r = route();
    ['overview', 'proxies', 'egress'].forEach(function (v) {
      var a = document.getElementById('nav-' + v);
      if (v === r.view || (v === 'proxies' && r.view === 'proxy')) a.setAttribute('aria-current', 'page');
      else a.removeAttribute('aria-current');
    });
    var kids;
    if (r.view === 'proxies') kids = proxies();
    else if (r.view === 'proxy') kids = proxyPage(r.id);
    else if (r.view === 'egress') { loadEgress(); kids = egressMap(); }
    else kids = overview();
    main.replaceChildren.apply(main, kids);
    if (r.view === 'proxies') proxyRows();
  }

  function sample() {
    samples.push({t: Date.now(), pushes: state.pushes, nacks: state.nacks, rejected: state.reloads_rejected});
    while (samples.length > 2 && samples[0].t < Date.now() - 310000) samples.shift();
  }

  function poll() {
    // a hidden tab asks nothing: each answer copies every proxy's state
    if (document.hidden) { setTimeout(poll, POLL_MS); return; }
    get('/debug/uiz?since=' + stamp).then(function (j) {
      live.className = '';
      live.textContent = 'live, updated ' + new Date().toLocaleTimeString();
      if (j && !j.unchanged) {
        stamp = j.stamp;
        state = j.state;
        sample();
        // a table being read with the keyboard is not redrawn under it
        if (route().view === 'proxies' && document.getElementById('proxy-rows')) drawProxyRows();
        else draw();
      } else if (state) {
        sample();
      }
    }).catch(function () {
      live.className = 'down';
      live.textContent = 'disconnected: retrying';
    }).then(function () { setTimeout(poll, POLL_MS); });
  }

  window.addEventListener('hashchange', function () { draw(); main.focus(); });
  poll();
}());
