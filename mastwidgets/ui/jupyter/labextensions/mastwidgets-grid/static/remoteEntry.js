// mastwidgets-grid: the widget module the app's grids use on its Voila page (written by
// hand, no build step; see mastwidgets/ui/_grid.py). ipyaggrid's own front end is 4.2 MB
// of code that Voila would load and run before drawing anything; this module's classes
// are ready at once, and each grid's view fetches ipyaggrid's code after the page is
// drawn, then becomes ipyaggrid's own view of the same model.
//
// As a federated JupyterLab extension it is a container: init(shareScope) hands it the
// page's shared modules, get('./extension') its plugin (webpack's container protocol).
var _JUPYTERLAB;
(function () {
  const NAME = 'mastwidgets-grid';
  const VERSION = '1.0.0';
  let scope = null;

  // The newest version of a shared module, or the one already loaded (webpack's rule
  // for a singleton such as @jupyter-widgets/base).
  const newer = (a, b) => {
    const x = String(a).split('.').map((n) => parseInt(n, 10) || 0);
    const y = String(b).split('.').map((n) => parseInt(n, 10) || 0);
    for (let i = 0; i < 3; i++) if ((x[i] || 0) !== (y[i] || 0)) return (x[i] || 0) > (y[i] || 0);
    return false;
  };
  const shared = async (name) => {
    const versions = scope[name];
    const pick = Object.keys(versions).reduce((best, v) => {
      if (best === null) return v;
      if (versions[best].loaded) return best;
      return versions[v].loaded || newer(v, best) ? v : best;
    }, null);
    versions[pick].loaded = 1;
    return (await versions[pick].get())();
  };

  const script = (src) => new Promise((resolve, reject) => {
    const tag = document.createElement('script');
    tag.onload = resolve;
    tag.onerror = () => reject(new Error(`${NAME}: cannot load ${src}`));
    tag.async = true;
    tag.src = src;
    document.head.appendChild(tag);
  });
  const labextensions = () =>
    JSON.parse(document.getElementById('jupyter-config-data').textContent).fullLabextensionsUrl;

  // Where ipyaggrid's code is (its package.json names it), asked for as the page starts.
  let ipyaggridMeta = null;
  const lookUpIpyaggrid = () => (ipyaggridMeta = ipyaggridMeta ||
    fetch(`${labextensions()}/ipyaggrid/package.json`).then((answer) => answer.json()));
  // ipyaggrid's widget module, fetched once, when the first grid asks for it.
  let ipyaggrid = null;
  const loadIpyaggrid = () => (ipyaggrid = ipyaggrid || (async () => {
    const meta = await lookUpIpyaggrid();
    await script(`${labextensions()}/ipyaggrid/${meta.jupyterlab._build.load}`);
    const container = window._JUPYTERLAB.ipyaggrid;
    await container.init(scope);
    return (await container.get('./index'))();
  })());

  // A model becomes ipyaggrid's: its class, and the state that arrived before ipyaggrid's
  // code did (kept as sent) deserialized as ipyaggrid deserializes it. A value the
  // kernel sent meanwhile (deserialized by ipyaggrid's class already) is kept.
  const becomeIpyaggrid = (model, Real) => {
    if (model._becoming) return model._becoming;
    // Only ipyaggrid's own serializers: the others (layout, style) were applied already.
    const applied = model.constructor.serializers || {};
    Object.setPrototypeOf(model, Real.prototype);
    const raw = {};
    for (const [key, how] of Object.entries(Real.serializers || {})) {
      if (how && how.deserialize && how !== applied[key] && key in model.attributes) {
        raw[key] = model.attributes[key];
      }
    }
    model._becoming = Real._deserialize_state(raw, model.widget_manager).then((state) => {
      for (const key of Object.keys(raw)) {
        // Straight into the attributes: no change event, nothing sent back to the kernel.
        if (model.attributes[key] === raw[key]) model.attributes[key] = state[key];
      }
    });
    return model._becoming;
  };

  const widgetModule = (base) => {
    class AgGridModel extends base.DOMWidgetModel {}
    class AgGridView extends base.DOMWidgetView {
      render() {
        const height = this.model.get('height');
        if (height) this.el.style.minHeight = typeof height === 'number' ? `${height}px` : height;
        // Its place on the page, and a word for a visitor on a slow link meanwhile.
        const note = document.createElement('div');
        note.className = 'mw-grid-loading';
        note.textContent = 'Loading the table\u2026';
        note.style.cssText = 'padding: 8px; opacity: 0.7; font-size: 13px;';
        this.el.setAttribute('aria-busy', 'true');
        this.el.appendChild(note);
        // After the page is painted: the next frame, then a task of its own.
        requestAnimationFrame(() => setTimeout(() => this._becomeIpyaggrid(), 0));
      }

      async _becomeIpyaggrid() {
        try {
          const real = await loadIpyaggrid();
          await becomeIpyaggrid(this.model, real.AgGridModel);
          if (this._gone) return;
          this.el.replaceChildren();
          this.el.removeAttribute('aria-busy');
          Object.setPrototypeOf(this, real.AgGridView.prototype);
          this.render();
        } catch (error) {
          console.error(error);
          this.el.removeAttribute('aria-busy');
          const note = this.el.querySelector('.mw-grid-loading') || this.el;
          note.textContent = `The table could not be drawn: ${error.message}`;
        }
      }

      remove() {
        this._gone = true;
        return super.remove();
      }
    }
    return {AgGridModel, AgGridView};
  };

  (_JUPYTERLAB = _JUPYTERLAB || {})[NAME] = {
    init: (shareScope) => {
      scope = shareScope;
    },
    get: async (module) => {
      if (module !== './extension') throw new Error(`${NAME} has no module ${module}`);
      const base = await shared('@jupyter-widgets/base');
      const plugin = {
        id: `${NAME}:plugin`,
        autoStart: true,
        requires: [base.IJupyterWidgetRegistry],
        activate: (app, registry) => {
          registry.registerWidget({name: NAME, version: VERSION, exports: widgetModule(base)});
          lookUpIpyaggrid().catch(() => null);  // a failure is told where a grid is drawn
        },
      };
      // Voila takes a module's default export only from an ES module.
      return () => ({__esModule: true, default: plugin});
    },
  };
})();
