// latchkey self-service page: plain DOM, no framework. Talks to the JSON API next to it
// (api/...); state-changing calls carry the session's CSRF token.
'use strict';

(() => {
  const $ = (id) => document.getElementById(id);
  let csrf = '';
  let totpEnabled = false;

  async function api(method, path, body) {
    const headers = { Accept: 'application/json' };
    if (method !== 'GET') headers['X-CSRF-Token'] = csrf;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const response = await fetch('api/' + path, {
      method, headers, credentials: 'same-origin',
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const data = response.status === 204 ? {} : await response.json().catch(() => ({}));
    // TOTP turned on or a new password gives the session a new id, and so a new token.
    if (response.ok && typeof data.csrf_token === 'string') csrf = data.csrf_token;
    if (response.status === 401 && data.error === 'signed_out') showSignIn('Your session ended; sign in again.');
    return { status: response.status, ok: response.ok, data };
  }

  function formatTime(iso) {
    return iso ? new Date(iso).toLocaleString() : 'never';
  }

  // ---- sign-in ----

  function showSignIn(message) {
    csrf = '';
    $('account-view').hidden = true;
    $('sign-out').hidden = true;
    $('whoami').hidden = true;
    $('sign-in-view').hidden = false;
    $('sign-in-error').textContent = message || '';
    $('sign-in-username').focus();
  }

  function showAccount(session) {
    csrf = session.csrf_token;
    totpEnabled = session.totp_enabled;
    $('sign-in-view').hidden = true;
    $('account-view').hidden = false;
    $('sign-out').hidden = false;
    $('whoami').hidden = false;
    $('whoami').textContent = session.username;
    $('profile-username').textContent = session.username;
    $('sign-in-form').reset();
    $('sign-in-code-field').hidden = true;
    refreshTotp();
    refreshAppPasswords();
    refreshTokens();
  }

  $('sign-in-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const body = {
      username: $('sign-in-username').value,
      password: $('sign-in-password').value,
    };
    if (!$('sign-in-code-field').hidden) body.code = $('sign-in-code').value;
    const result = await api('POST', 'session', body);
    if (result.ok) {
      showAccount(result.data);
      $('tab-profile').focus();
      return;
    }
    if (result.data.error === 'totp_required') {
      $('sign-in-code-field').hidden = false;
      $('sign-in-error').textContent = result.data.message;
      $('sign-in-code').focus();
      return;
    }
    $('sign-in-error').textContent = result.data.message || 'Sign-in failed.';
  });

  $('sign-out').addEventListener('click', async () => {
    await api('DELETE', 'session');
    showSignIn('You are signed out.');
  });

  // ---- tabs (WAI-ARIA tabs pattern: arrow keys move between tabs) ----

  const tabs = [$('tab-profile'), $('tab-security')];
  function selectTab(tab) {
    for (const other of tabs) {
      const selected = other === tab;
      other.setAttribute('aria-selected', String(selected));
      other.tabIndex = selected ? 0 : -1;
      $(other.getAttribute('aria-controls')).hidden = !selected;
    }
  }
  for (const tab of tabs) {
    tab.addEventListener('click', () => selectTab(tab));
    tab.addEventListener('keydown', (event) => {
      if (event.key !== 'ArrowRight' && event.key !== 'ArrowLeft') return;
      const next = tabs[(tabs.indexOf(tab) + (event.key === 'ArrowRight' ? 1 : tabs.length - 1)) % tabs.length];
      selectTab(next);
      next.focus();
    });
  }

  // ---- dialogs ----

  for (const button of document.querySelectorAll('.close-dialog')) {
    button.addEventListener('click', () => button.closest('dialog').close());
  }

  function confirmAction(text) {
    return new Promise((resolve) => {
      const dialog = $('confirm-dialog');
      $('confirm-text').textContent = text;
      const yes = () => { dialog.close('yes'); };
      $('confirm-yes').addEventListener('click', yes, { once: true });
      dialog.addEventListener('close', () => {
        $('confirm-yes').removeEventListener('click', yes);
        resolve(dialog.returnValue === 'yes');
      }, { once: true });
      dialog.returnValue = '';
      dialog.showModal();
    });
  }

  // ---- application passwords and permanent tokens: one list, dialog and shown-once secret ----

  // kind: path (api/...), key (of the list in the answer), list and dialog (id prefixes),
  // copy (button id), noun, cells(item) (columns after the name), body() (the create call's
  // fields after the name), secret(data).
  function credentialSection(kind) {
    async function refresh() {
      const result = await api('GET', kind.path);
      if (!result.ok) return;
      const body = $(kind.list).tBodies[0];
      body.replaceChildren();
      const live = result.data[kind.key].filter((p) => p.state !== 'revoked');
      for (const p of live) {
        const row = body.insertRow();
        row.insertCell().textContent = p.name + (p.state === 'expired' ? ' (expired)' : '');
        for (const text of kind.cells(p)) row.insertCell().textContent = text;
        const revoke = document.createElement('button');
        revoke.type = 'button';
        revoke.textContent = 'Revoke';
        revoke.setAttribute('aria-label', 'Revoke ' + p.name);
        revoke.addEventListener('click', async () => {
          if (!await confirmAction('Revoke "' + p.name + '"? ' + kind.revokeText)) return;
          const done = await api('DELETE', kind.path + '/' + p.id);
          $(kind.list + '-error').textContent = done.ok ? '' : done.data.message;
          await refresh();
          $(kind.dialog).focus();
        });
        row.insertCell().append(revoke);
      }
      $(kind.list).hidden = live.length === 0;
      $(kind.list + '-empty').hidden = live.length !== 0;
      if (kind.onRefresh) kind.onRefresh(live);
    }

    $(kind.dialog).addEventListener('click', () => {
      $(kind.dialog + '-form').reset();
      $(kind.dialog + '-form').hidden = false;
      $(kind.dialog + '-result').hidden = true;
      $(kind.dialog + '-error').textContent = '';
      $(kind.dialog + '-copied').textContent = '';
      $(kind.dialog + '-dialog').showModal();
      $(kind.dialog + '-name').focus();
    });

    $(kind.dialog + '-form').addEventListener('submit', async (event) => {
      event.preventDefault();
      const body = Object.assign({ name: $(kind.dialog + '-name').value }, kind.body());
      const result = await api('POST', kind.path, body);
      if (!result.ok) {
        $(kind.dialog + '-error').textContent = result.data.message || 'Could not create it.';
        $(kind.dialog + '-name').focus();
        return;
      }
      $(kind.dialog + '-for').textContent = result.data.name;
      $(kind.dialog + '-value').textContent = kind.secret(result.data);
      $(kind.dialog + '-form').hidden = true;
      $(kind.dialog + '-result').hidden = false;
      $(kind.copy).focus();
      refresh();
    });

    $(kind.copy).addEventListener('click', async () => {
      try {
        await navigator.clipboard.writeText($(kind.dialog + '-value').textContent);
        $(kind.dialog + '-copied').textContent = 'Copied to the clipboard.';
      } catch {
        $(kind.dialog + '-copied').textContent = 'Copying failed; select the ' + kind.noun + ' and copy it.';
      }
    });

    $(kind.dialog + '-dialog').addEventListener('close', () => {
      $(kind.dialog + '-value').textContent = '';  // the secret is not kept in the page
      $(kind.dialog).focus();
    });

    return refresh;
  }

  const refreshAppPasswords = credentialSection({
    path: 'app-passwords', key: 'app_passwords', list: 'app-passwords', dialog: 'new-password',
    copy: 'copy-password', noun: 'password',
    revokeText: 'Apps using it are signed out at once.',
    cells: (p) => [formatTime(p.created_at), formatTime(p.last_used_at), p.last_used_from || '–'],
    body: () => ({}),
    secret: (data) => data.password,
    onRefresh: (live) => { $('revoke-all').hidden = live.length === 0; },
  });

  const refreshTokens = credentialSection({
    path: 'tokens', key: 'tokens', list: 'token-list', dialog: 'new-token',
    copy: 'copy-token', noun: 'token',
    revokeText: 'Scripts using it are refused at once.',
    cells: (t) => [t.scopes ? t.scopes.join(' ') : 'all', formatTime(t.created_at),
      formatTime(t.expires_at), formatTime(t.last_used_at)],
    body: () => {
      const fields = {};
      const days = $('new-token-expires').value;
      if (days !== '') fields.expires_in_days = Number(days);
      const scopes = $('new-token-scopes').value.split(/[\s,]+/).filter((s) => s !== '');
      if (scopes.length > 0) fields.scopes = scopes;
      return fields;
    },
    secret: (data) => data.token,
  });

  $('revoke-all').addEventListener('click', async () => {
    if (!await confirmAction('Revoke all your application passwords? Every app using one is signed out at once.')) return;
    const done = await api('DELETE', 'app-passwords');
    $('app-passwords-error').textContent = done.ok ? '' : done.data.message;
    await refreshAppPasswords();
    $('new-password').focus();
  });

  // ---- TOTP ----

  function showCodes(list, codes) {
    list.replaceChildren(...codes.map((code) => {
      const item = document.createElement('li');
      item.textContent = code;
      return item;
    }));
  }

  async function refreshTotp() {
    const result = await api('GET', 'totp');
    if (!result.ok) return;
    totpEnabled = result.data.enabled;
    $('totp-status').textContent = totpEnabled
      ? 'Two-factor authentication is on. Recovery codes left: ' + result.data.recovery_codes_left + '.'
      : 'Two-factor authentication is off.';
    $('totp-start-form').hidden = totpEnabled;
    $('totp-off-form').hidden = !totpEnabled;
    $('password-code-field').hidden = !totpEnabled;
  }

  // Both steps ask for the current password (as a password change does), and the page keeps
  // it in neither: someone at an unattended browser must not turn TOTP on and lock the owner out.
  $('totp-start-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const result = await api('POST', 'totp', { current_password: $('totp-start-password').value });
    $('totp-start-form').reset();
    if (!result.ok) {
      $('totp-error').textContent = result.data.message;
      $('totp-start-password').focus();
      return;
    }
    $('totp-error').textContent = '';
    $('totp-qr').src = 'data:image/svg+xml;base64,' + btoa(result.data.qr_svg);
    $('totp-secret').textContent = result.data.secret;
    $('totp-enrol').hidden = false;
    $('totp-start-form').hidden = true;
    $('totp-codes').hidden = true;
    $('totp-confirm-code').focus();
  });

  $('totp-confirm-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const result = await api('POST', 'totp/confirm', {
      code: $('totp-confirm-code').value,
      current_password: $('totp-confirm-password').value,
    });
    $('totp-confirm-password').value = '';
    if (!result.ok) { $('totp-error').textContent = result.data.message; return; }
    $('totp-error').textContent = '';
    $('totp-enrol').hidden = true;
    $('totp-confirm-form').reset();
    showCodes($('totp-code-list'), result.data.recovery_codes);
    $('totp-codes').hidden = false;
    await refreshTotp();
  });

  $('totp-off-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const result = await api('POST', 'totp/disable', { code: $('totp-off-code').value });
    $('totp-error').textContent = result.ok ? '' : result.data.message;
    $('totp-off-form').reset();
    $('totp-codes').hidden = true;
    await refreshTotp();
  });

  $('totp-new-codes').addEventListener('click', async () => {
    const result = await api('POST', 'totp/recovery-codes', { code: $('totp-off-code').value });
    if (!result.ok) { $('totp-error').textContent = result.data.message; return; }
    $('totp-error').textContent = '';
    $('totp-off-form').reset();
    showCodes($('codes-dialog-list'), result.data.recovery_codes);
    $('codes-dialog').showModal();
    await refreshTotp();
  });

  // ---- password ----

  $('password-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const result = await api('POST', 'password', {
      current_password: $('password-current').value,
      new_password: $('password-new').value,
      code: $('password-code').value,
      revoke_app_passwords: $('password-revoke').checked,
    });
    $('password-error').textContent = result.ok ? '' : result.data.message;
    $('password-message').textContent = result.ok
      ? 'Password changed. Application passwords revoked: ' + result.data.revoked_app_passwords +
        ($('password-revoke').checked ? '; permanent tokens revoked too.' : '.')
      : '';
    if (result.ok) { $('password-form').reset(); refreshAppPasswords(); refreshTokens(); }
  });

  // ---- start ----

  api('GET', 'session').then((result) => {
    if (result.ok) showAccount(result.data); else showSignIn('');
  });
})();
