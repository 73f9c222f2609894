// The playground's script: plain browser JavaScript, no build step, no framework.
/* global document, fetch, performance, setInterval, Option */

/** Used when the OpenAPI document is turned off: the contract's Verified set. */
const FALLBACK_CHOICES = { resolution: ['1K', '4K'], aspect_ratio: ['1:1', '21:9'], output_format: ['png', 'jpg'], maxImages: 4 };

const $ = (id) => document.getElementById(id);

/** Creates an element with text (never HTML: answers and errors are shown as text). */
function el(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  if (className) node.className = className;
  return node;
}

async function getJson(path) {
  const res = await fetch(path, { headers: { accept: 'application/json' } });
  if (!res.ok) throw new Error(`${path}: HTTP ${res.status}`);
  return res.json();
}

/** The enabled values, read from the route's OpenAPI document. */
async function loadChoices(openapiPath) {
  try {
    const doc = await getJson(openapiPath);
    const props = doc.components.schemas.ImageGenerationRequest.properties;
    return {
      resolution: props.resolution.enum,
      aspect_ratio: props.aspect_ratio.enum,
      output_format: props.output_format.enum,
      maxImages: props.n.maximum,
    };
  } catch {
    return FALLBACK_CHOICES;
  }
}

function addOptions(select, values) {
  for (const value of values) select.append(new Option(value, value));
}

function showSamples(samples) {
  const holder = $('samples');
  for (const path of samples) {
    const button = el('button', path.split('/').pop());
    button.type = 'button';
    button.addEventListener('click', () => {
      const url = new URL(path, document.baseURI).href;
      const refs = $('references');
      refs.value = refs.value.trim() === '' ? url : `${refs.value.trim()}\n${url}`;
    });
    holder.append(button);
  }
}

/** Shows one request in the list; returns the functions that complete it. */
function addResult(body) {
  const item = el('li', undefined, 'result pending');
  const meta = el('div', 'sending…', 'meta');
  const summary = [body.resolution, body.aspect_ratio ?? 'ratio from input', body.output_format, `${body.image_input?.length ?? 0} reference(s)`, `n=${body.n}`];
  item.append(el('div', `“${body.prompt}” (${summary.join(', ')})`), meta);
  $('results').prepend(item);
  return {
    ok(answer, ms, requestId) {
      item.className = 'result ok';
      item.dataset.status = '200';
      meta.textContent = `200 in ${ms} ms · ${answer.size} ${answer.output_format} · request ${requestId}`;
      for (const image of answer.data) {
        const figure = el('figure');
        const img = el('img');
        img.alt = body.prompt;
        const caption = el('figcaption', 'loading…');
        img.addEventListener('load', () => {
          caption.textContent = `${img.naturalWidth}×${img.naturalHeight} px`;
        });
        img.src = image.url;
        const link = el('a');
        link.href = image.url;
        link.append(img);
        figure.append(link, caption);
        item.append(figure);
      }
    },
    failed(status, message, ms) {
      item.className = 'result error';
      item.dataset.status = String(status);
      meta.textContent = `${status || 'network error'} in ${ms} ms · ${message}`;
    },
  };
}

async function generate(route, body) {
  const result = addResult(body);
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  try {
    const res = await fetch(route, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const answer = await res.json();
    if (res.ok) result.ok(answer, elapsed(), res.headers.get('x-request-id') ?? '?');
    else result.failed(res.status, `${answer.error?.code ?? 'error'}: ${answer.error?.message ?? ''}`, elapsed());
  } catch (err) {
    result.failed(0, err instanceof Error ? err.message : String(err), elapsed());
  }
}

/** The carriers' state, from the host's health endpoint (which reports `relay.carriers()`). */
async function refreshCarriers(healthPath) {
  const rows = $('carriers').tBodies[0];
  const note = $('carriers-note');
  let health;
  try {
    health = await getJson(healthPath);
  } catch (err) {
    note.textContent = `(${err.message})`;
    return;
  }
  if (!Array.isArray(health.carriers)) {
    note.textContent = `(${healthPath} does not report carriers: ${JSON.stringify(health)})`;
    return;
  }
  note.textContent = `(from ${healthPath}, refreshed ${new Date().toLocaleTimeString()})`;
  rows.replaceChildren(
    ...health.carriers.map((c) => {
      const row = el('tr');
      row.dataset.carrier = c.id;
      const back = c.coolingDownUntil ?? c.rateLimitedUntil ?? '';
      row.append(el('td', c.id), el('td', c.status, `status-${c.status}`), el('td', c.available ? 'yes' : 'no'), el('td', String(c.inFlight)), el('td', String(c.failures)), el('td', back));
      return row;
    }),
  );
}

async function start() {
  const config = await getJson('/playground/config.json');
  const choices = await loadChoices(config.openapi);
  addOptions($('resolution'), choices.resolution);
  addOptions($('aspect_ratio'), choices.aspect_ratio);
  addOptions($('output_format'), choices.output_format);
  $('n').max = String(choices.maxImages ?? 4);
  showSamples(config.samples);

  $('generate').addEventListener('submit', (event) => {
    event.preventDefault();
    const references = $('references')
      .value.split('\n')
      .map((line) => line.trim())
      .filter(Boolean);
    const body = {
      model: 'nano-banana-pro',
      prompt: $('prompt').value,
      resolution: $('resolution').value,
      output_format: $('output_format').value,
      n: Number($('n').value) || 1,
    };
    if ($('aspect_ratio').value) body.aspect_ratio = $('aspect_ratio').value;
    if (references.length > 0) body.image_input = references;
    void generate(config.route, body).then(() => refreshCarriers(config.health));
  });

  await refreshCarriers(config.health);
  setInterval(() => void refreshCarriers(config.health), 5000);
  document.body.dataset.ready = 'true';
}

void start();
