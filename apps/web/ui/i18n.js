// Strings and number/date formatting in Hungarian and English. The language is remembered in
// localStorage; Hungarian formatting comes from Intl's hu-HU locale.

const STRINGS = {
  en: {
    'nav.invoices': 'Invoices', 'nav.sync': 'Sync status', taxpayer: 'Taxpayer', signout: 'Sign out',
    'lang.switch': 'Magyar', 'lang.switchLabel': 'Váltás magyar nyelvre',
    'signin.title': 'Sign in to navsync', 'signin.cognito': 'With your user name and password',
    'signin.username': 'User name or e-mail', 'signin.password': 'Password', 'signin.submit': 'Sign in',
    'signin.token': 'With a token', 'signin.tokenHelp': 'Paste a token minted by navsync (navsync token create) or issued by the configured identity provider.',
    'signin.tokenLabel': 'Bearer token', 'signin.tokenSubmit': 'Sign in with token',
    'signin.expired': 'Your session has expired. Sign in again to continue where you were.',
    'signin.signedOut': 'You have signed out.',
    'signin.newPassword': 'Set a new password', 'signin.newPasswordHelp': 'This is your first sign-in: choose your own password.',
    'signin.newPasswordLabel': 'New password', 'signin.confirmLabel': 'New password again', 'signin.setPassword': 'Set password and sign in',
    'signin.rules': 'The password must have:', 'rule.length': 'at least 8 characters', 'rule.upper': 'an upper-case letter',
    'rule.lower': 'a lower-case letter', 'rule.met': 'met', 'rule.unmet': 'not met yet', 'list.pages': 'Pages', 'rule.number': 'a number', 'rule.symbol': 'a symbol (e.g. ! ? # %)',
    'signin.mismatch': 'The two passwords differ.', 'signin.rulesUnmet': 'The new password does not meet every rule.',
    'signin.noMethod': 'This deployment has no sign-in method configured.',
    'signin.badToken': 'The token was refused: {detail}', 'signin.notJwt': 'That is not a token (expected three dot-separated parts).',
    'signin.tokenExpired': 'That token has expired.', 'signin.failed': 'Sign-in failed: {detail}',
    'signin.wrongPassword': 'Incorrect user name or password.', 'signin.working': 'Signing in…',
    'dir.OUTBOUND': 'Issued (outbound)', 'dir.INBOUND': 'Received (inbound)', direction: 'Direction',
    'filters.title': 'Filters', 'f.issued_from': 'Issued from', 'f.issued_to': 'Issued to', 'f.partner_name': 'Partner name',
    'f.partner_tax_number': 'Partner tax id (8 digits)', 'f.invoice_number_prefix': 'Invoice number starts with',
    'f.min_gross_huf': 'Gross HUF at least', 'f.max_gross_huf': 'Gross HUF at most', 'f.currency': 'Currency',
    'f.category': 'Category', 'f.payment_method': 'Payment method', 'f.operation': 'Operation', any: 'Any',
    'f.apply': 'Apply filters', 'f.reset': 'Clear', 'f.limit': 'Rows per page',
    'list.number': 'Invoice number', 'list.date': 'Issue date', 'list.partner': 'Partner', 'list.operation': 'Operation',
    'list.gross': 'Gross', 'list.grossHuf': 'Gross (HUF)', 'list.count': '{n} invoices match',
    'list.countUnknown': 'Page {page}', 'list.range': 'Showing {from}–{to}', 'list.empty': 'No invoices match these filters.',
    'list.next': 'Next page', 'list.prev': 'Previous page', 'list.first': 'First page', 'list.sortNewest': 'newest first', 'list.sortOldest': 'oldest first',
    'list.sortBy': 'Sort by issue date, now {order}', 'export.csv': 'Export CSV', 'export.dialect': 'CSV format',
    'export.excel_hu': 'Excel (Hungarian)', 'export.rfc4180': 'Standard (RFC 4180)', 'export.done': 'Exported {name}.',
    'export.working': 'Exporting…',
    'detail.back': 'Back to the list', 'detail.download': 'Download original XML', 'detail.downloaded': 'Downloaded {name}.',
    'detail.supplier': 'Supplier', 'detail.customer': 'Customer', 'detail.dates': 'Dates and payment', 'detail.issue': 'Issue date',
    'detail.delivery': 'Delivery date', 'detail.period': 'Delivery period', 'detail.payment': 'Payment due', 'detail.paymentMethod': 'Payment method',
    'detail.received': 'Received by NAV', 'detail.currency': 'Currency', 'detail.rate': 'Exchange rate', 'detail.category': 'Category',
    'detail.appearance': 'Appearance', 'detail.schema': 'NAV schema', 'detail.lines': 'Lines', 'detail.vatSummary': 'VAT summary',
    'detail.totals': 'Totals', 'detail.inCurrency': 'In {currency}', 'detail.inHuf': 'In HUF', 'detail.net': 'Net', 'detail.vat': 'VAT', 'detail.gross': 'Gross',
    'detail.chain': 'Modification chain', 'detail.chainState': 'State of the chain', 'detail.effective': 'Effective gross after modifications',
    'detail.original': 'Original', 'detail.modification': 'Modification {n}', 'detail.missing': 'Modifications not synced yet: {list}',
    'detail.warnings': 'Irregularities in the document', 'detail.warningsWhy': 'NAV accepted this invoice as it is; navsync stored it unchanged and read past these:',
    'detail.originalMissing': 'The original invoice is not stored here.', 'detail.thisOne': '(this invoice)',
    'detail.modifies': 'Modifies {number} (modification {n})', 'detail.withoutMaster': 'The original was never reported to NAV.',
    'detail.taxNumber': 'Tax number', 'detail.euVat': 'EU VAT number', 'detail.address': 'Address', 'detail.bank': 'Bank account', 'detail.vatStatus': 'VAT status',
    'line.no': '#', 'line.description': 'Description', 'line.quantity': 'Quantity', 'line.unitPrice': 'Unit price', 'line.vatRate': 'VAT rate',
    'line.none': 'This invoice has no line items.', 'detail.sha': 'Document SHA-256', 'detail.size': 'Size',
    'detail.eHash': 'Electronic invoice hash', 'detail.eHashOk': '✓ verified against the data NAV served',
    'detail.eHashBad': '✗ does not match the data NAV served', 'detail.eHashUnchecked': 'not checked (cannot be verified here)',
    'state.original': 'original', 'state.modified': 'modified', 'state.cancelled': 'cancelled',
    'op.CREATE': 'Original', 'op.MODIFY': 'Modification', 'op.STORNO': 'Cancellation',
    'cat.NORMAL': 'Normal', 'cat.SIMPLIFIED': 'Simplified', 'cat.AGGREGATE': 'Aggregate',
    'pm.TRANSFER': 'Transfer', 'pm.CASH': 'Cash', 'pm.CARD': 'Card', 'pm.VOUCHER': 'Voucher', 'pm.OTHER': 'Other',
    'vat.exempt': 'Exempt ({case})', 'vat.out_of_scope': 'Out of scope ({case})', 'vat.domestic_reverse_charge': 'Domestic reverse charge',
    'vat.margin_scheme': 'Margin scheme', 'vat.no_vat_charge': 'No VAT charge', 'vat.content': 'VAT content {content}',
    'sync.title': 'Sync status', 'sync.watermark': 'Stored up to', 'sync.never': 'Not synced yet', 'sync.lastRun': 'Last run',
    'sync.finished': 'Finished', 'sync.new': 'New', 'sync.already': 'Already stored', 'sync.listed': 'Listed', 'sync.mods': 'Modifications',
    'sync.unavailable': 'Could not be stored', 'sync.recovered': 'Stored after waiting', 'sync.late': 'Listed late by NAV',
    'sync.pending': 'Waiting invoices', 'sync.pendingNone': 'None: every invoice NAV listed is stored.',
    'sync.pendingCaption': '{count} invoices NAV listed but navsync could not store yet; it keeps trying',
    'sync.reason': 'Reason', 'sync.attempts': 'Attempts', 'sync.nextAttempt': 'Next attempt', 'sync.duration': 'Duration', 'sync.error': 'Result', 'sync.ok': 'Completed',
    'sync.deadline': 'Stopped at the deadline; the next run continues', 'sync.now': 'Sync now', 'sync.running': 'Syncing…',
    'sync.started': 'Sync of {taxpayer} requested ({directions}){ref}; below is its last run.', 'sync.adminOnly': 'Only a taxpayer\'s admins, or the operator, can start its sync.', 'sync.refused': 'The sync did not start: {detail}',
    'sync.none': 'Your account may read no taxpayer.', 'other': 'Other taxpayer…', 'other.prompt': 'Taxpayer id (8 digits)',
    'error.generic': 'Something went wrong: {detail}', 'error.network': 'The server could not be reached. Check your connection and try again.',
    'error.notFound': 'No such page.', loading: 'Loading…', dismiss: 'Dismiss', operator: 'operator', 'skip': 'Skip to content',
    'title.signin': 'Sign in', 'title.invoices': 'Invoices {tp}', 'title.invoice': 'Invoice {number}', 'title.sync': 'Sync status',
    'title.notFound': 'No such page', 'title.print': 'Printable invoice {number}',
    'scroll.region': '{name} (scrolls sideways)', 'scroll.hint': 'scroll sideways',
    'party.private': 'Private person',
    'problem.invalid_date': '{field}: enter a date as YYYY-MM-DD.', 'problem.invalid_tax_number': '{field}: enter a valid tax id (the first 8 digits of the tax number).',
    'problem.invalid_decimal': '{field}: enter a number, e.g. 12700.50.', 'problem.out_of_range': '{field}: the value is out of range.',
    'problem.too_long': '{field} is too long.', 'problem.blank': '{field} must not be blank.', 'problem.unknown_value': '{field}: choose one of {allowed}.',
    'problem.range_reversed': '{field}: the end of the range is before its start.', 'problem.invalid_currency': '{field}: a 3-letter currency code such as EUR.',
    'problem.invalid_cursor': 'This page link is out of date; start again from the first page.', 'problem.required': '{field} is required.',
    'problem.invalid_invoice_number': 'That is not a valid invoice number.', 'problem.unknown_parameter': 'The address has a parameter this page does not know ({field}).',
    'problem.empty_parameter': '{field} is empty.', 'problem.repeated_parameter': '{field} is given more than once.', 'problem.invalid_parameter': '{field}: the value is not valid.',
    'problem.bad_request': 'The server could not read the request.', 'problem.unauthorized': 'Sign in again.', 'problem.forbidden': 'Your account may not see this.',
    'problem.not_found': 'Not found: it may not have been synced yet.', 'problem.conflict': 'The server refused: {detail}', 'problem.too_many_requests': 'Too many requests; wait a moment and try again.',
    'problem.unavailable': 'The service is unavailable for a moment; try again shortly.', 'problem.internal': 'The server failed; the error has been logged.',
    'problem.uri_too_long': 'The address is too long.', 'problem.headers_too_large': 'The request is too large.', 'problem.method_not_allowed': 'The server does not allow this here.',
    'list.fixFilter': 'Correct the marked filter above.', 'list.failed': 'The invoices could not be loaded.',
    'print.open': 'Print', 'print.print': 'Print or save as PDF', 'print.back': 'Back to the invoice', 'print.number': 'Invoice number',
    'print.title.CREATE': 'Invoice', 'print.title.MODIFY': 'Modifying document', 'print.title.STORNO': 'Cancelling invoice',
    'print.groupMember': 'Group member tax number',
    'print.source': 'Printed by navsync from the invoice data reported to NAV Online Számla (received {received}); not the original copy of the invoice.',
    'vs.DOMESTIC': 'Domestic VAT subject', 'vs.OTHER': 'Other (not a domestic VAT subject, not a natural person)', 'vs.PRIVATE_PERSON': 'Private person (not a VAT subject)',
    'unit.PIECE': 'piece', 'unit.KILOGRAM': 'kg', 'unit.TON': 't', 'unit.KWH': 'kWh', 'unit.DAY': 'day', 'unit.HOUR': 'hour', 'unit.MINUTE': 'minute',
    'unit.MONTH': 'month', 'unit.LITER': 'litre', 'unit.KILOMETER': 'km', 'unit.CUBIC_METER': 'm³', 'unit.METER': 'm', 'unit.LINEAR_METER': 'linear m',
    'unit.CARTON': 'carton', 'unit.PACK': 'pack', 'unit.OWN': 'own unit',
  },
  hu: {
    'nav.invoices': 'Számlák', 'nav.sync': 'Szinkronizálás', taxpayer: 'Adózó', signout: 'Kijelentkezés',
    'lang.switch': 'English', 'lang.switchLabel': 'Switch to English',
    'signin.title': 'Bejelentkezés a navsync-be', 'signin.cognito': 'Felhasználónévvel és jelszóval',
    'signin.username': 'Felhasználónév vagy e-mail', 'signin.password': 'Jelszó', 'signin.submit': 'Bejelentkezés',
    'signin.token': 'Tokennel', 'signin.tokenHelp': 'Illesszen be egy navsync által kiadott (navsync token create) vagy a beállított azonosítószolgáltató által kiállított tokent.',
    'signin.tokenLabel': 'Bearer token', 'signin.tokenSubmit': 'Bejelentkezés tokennel',
    'signin.expired': 'A munkamenet lejárt. Jelentkezzen be újra, és ott folytathatja, ahol abbahagyta.',
    'signin.signedOut': 'Kijelentkezett.',
    'signin.newPassword': 'Új jelszó megadása', 'signin.newPasswordHelp': 'Ez az első bejelentkezése: válasszon saját jelszót.',
    'signin.newPasswordLabel': 'Új jelszó', 'signin.confirmLabel': 'Új jelszó még egyszer', 'signin.setPassword': 'Jelszó beállítása és belépés',
    'signin.rules': 'A jelszóban legyen:', 'rule.length': 'legalább 8 karakter', 'rule.upper': 'nagybetű',
    'rule.lower': 'kisbetű', 'rule.met': 'teljesül', 'rule.unmet': 'még nem teljesül', 'list.pages': 'Oldalak', 'rule.number': 'szám', 'rule.symbol': 'írásjel (pl. ! ? # %)',
    'signin.mismatch': 'A két jelszó eltér.', 'signin.rulesUnmet': 'Az új jelszó nem felel meg minden szabálynak.',
    'signin.noMethod': 'Ebben a telepítésben nincs beállított bejelentkezési mód.',
    'signin.badToken': 'A tokent a szerver elutasította: {detail}', 'signin.notJwt': 'Ez nem token (három, ponttal elválasztott részt várunk).',
    'signin.tokenExpired': 'Ez a token lejárt.', 'signin.failed': 'A bejelentkezés nem sikerült: {detail}',
    'signin.wrongPassword': 'Hibás felhasználónév vagy jelszó.', 'signin.working': 'Bejelentkezés…',
    'dir.OUTBOUND': 'Kiállított (kimenő)', 'dir.INBOUND': 'Befogadott (bejövő)', direction: 'Irány',
    'filters.title': 'Szűrők', 'f.issued_from': 'Kiállítva ettől', 'f.issued_to': 'Kiállítva eddig', 'f.partner_name': 'Partner neve',
    'f.partner_tax_number': 'Partner adószáma (8 számjegy)', 'f.invoice_number_prefix': 'Számlaszám eleje',
    'f.min_gross_huf': 'Bruttó Ft legalább', 'f.max_gross_huf': 'Bruttó Ft legfeljebb', 'f.currency': 'Pénznem',
    'f.category': 'Típus', 'f.payment_method': 'Fizetési mód', 'f.operation': 'Művelet', any: 'Bármely',
    'f.apply': 'Szűrés', 'f.reset': 'Törlés', 'f.limit': 'Sor oldalanként',
    'list.number': 'Számlaszám', 'list.date': 'Kiállítás dátuma', 'list.partner': 'Partner', 'list.operation': 'Művelet',
    'list.gross': 'Bruttó', 'list.grossHuf': 'Bruttó (Ft)', 'list.count': '{n} számla felel meg',
    'list.countUnknown': '{page}. oldal', 'list.range': '{from}–{to}. számla', 'list.empty': 'Nincs a szűrőknek megfelelő számla.',
    'list.next': 'Következő oldal', 'list.prev': 'Előző oldal', 'list.first': 'Első oldal', 'list.sortNewest': 'legújabb elöl', 'list.sortOldest': 'legrégebbi elöl',
    'list.sortBy': 'Rendezés kiállítás dátuma szerint, most {order}', 'export.csv': 'CSV exportálása', 'export.dialect': 'CSV formátum',
    'export.excel_hu': 'Excel (magyar)', 'export.rfc4180': 'Szabványos (RFC 4180)', 'export.done': 'Exportálva: {name}.',
    'export.working': 'Exportálás…',
    'detail.back': 'Vissza a listához', 'detail.download': 'Eredeti XML letöltése', 'detail.downloaded': 'Letöltve: {name}.',
    'detail.supplier': 'Eladó', 'detail.customer': 'Vevő', 'detail.dates': 'Dátumok és fizetés', 'detail.issue': 'Kiállítás dátuma',
    'detail.delivery': 'Teljesítés dátuma', 'detail.period': 'Teljesítési időszak', 'detail.payment': 'Fizetési határidő', 'detail.paymentMethod': 'Fizetési mód',
    'detail.received': 'NAV-hoz beérkezett', 'detail.currency': 'Pénznem', 'detail.rate': 'Árfolyam', 'detail.category': 'Típus',
    'detail.appearance': 'Megjelenési forma', 'detail.schema': 'NAV séma', 'detail.lines': 'Tételek', 'detail.vatSummary': 'ÁFA-összesítő',
    'detail.totals': 'Összesen', 'detail.inCurrency': '{currency} pénznemben', 'detail.inHuf': 'Forintban', 'detail.net': 'Nettó', 'detail.vat': 'ÁFA', 'detail.gross': 'Bruttó',
    'detail.chain': 'Módosítási lánc', 'detail.chainState': 'A lánc állapota', 'detail.effective': 'Érvényes bruttó a módosítások után',
    'detail.original': 'Eredeti', 'detail.modification': '{n}. módosítás', 'detail.missing': 'Még nem szinkronizált módosítások: {list}',
    'detail.warnings': 'Szabálytalanságok a dokumentumban', 'detail.warningsWhy': 'A NAV így fogadta be a számlát; a navsync változatlanul tárolta, és ezeken átlépve olvasta:',
    'detail.originalMissing': 'Az eredeti számla nincs itt tárolva.', 'detail.thisOne': '(ez a számla)',
    'detail.modifies': 'Módosítja: {number} ({n}. módosítás)', 'detail.withoutMaster': 'Az eredetit sosem jelentették a NAV-nak.',
    'detail.taxNumber': 'Adószám', 'detail.euVat': 'Közösségi adószám', 'detail.address': 'Cím', 'detail.bank': 'Bankszámla', 'detail.vatStatus': 'ÁFA-státusz',
    'line.no': '#', 'line.description': 'Megnevezés', 'line.quantity': 'Mennyiség', 'line.unitPrice': 'Egységár', 'line.vatRate': 'ÁFA-kulcs',
    'line.none': 'Ennek a számlának nincsenek tételei.', 'detail.sha': 'Dokumentum SHA-256', 'detail.size': 'Méret',
    'detail.eHash': 'Elektronikus számla hash', 'detail.eHashOk': '✓ egyezik a NAV által adott adatokkal',
    'detail.eHashBad': '✗ nem egyezik a NAV által adott adatokkal', 'detail.eHashUnchecked': 'nem ellenőrizve (itt nem ellenőrizhető)',
    'state.original': 'eredeti', 'state.modified': 'módosított', 'state.cancelled': 'sztornózott',
    'op.CREATE': 'Eredeti', 'op.MODIFY': 'Módosító', 'op.STORNO': 'Sztornó',
    'cat.NORMAL': 'Normál', 'cat.SIMPLIFIED': 'Egyszerűsített', 'cat.AGGREGATE': 'Gyűjtő',
    'pm.TRANSFER': 'Átutalás', 'pm.CASH': 'Készpénz', 'pm.CARD': 'Bankkártya', 'pm.VOUCHER': 'Utalvány', 'pm.OTHER': 'Egyéb',
    'vat.exempt': 'Adómentes ({case})', 'vat.out_of_scope': 'Tárgyi hatályon kívül ({case})', 'vat.domestic_reverse_charge': 'Belföldi fordított adózás',
    'vat.margin_scheme': 'Különbözet szerinti', 'vat.no_vat_charge': 'Nincs felszámított ÁFA', 'vat.content': 'ÁFA-tartalom {content}',
    'sync.title': 'Szinkronizálás', 'sync.watermark': 'Tárolva eddig', 'sync.never': 'Még nem szinkronizált', 'sync.lastRun': 'Utolsó futás',
    'sync.finished': 'Befejeződött', 'sync.new': 'Új', 'sync.already': 'Már tárolt', 'sync.listed': 'Listázott', 'sync.mods': 'Módosítások',
    'sync.unavailable': 'Nem tárolható', 'sync.recovered': 'Várakozás után tárolva', 'sync.late': 'A NAV később listázta',
    'sync.pending': 'Várakozó számlák', 'sync.pendingNone': 'Nincs: minden számla, amelyet a NAV listázott, tárolva van.',
    'sync.pendingCaption': '{count} számlát listázott a NAV, amelyet a navsync még nem tudott tárolni; újra próbálkozik',
    'sync.reason': 'Ok', 'sync.attempts': 'Próbálkozások', 'sync.nextAttempt': 'Következő próbálkozás', 'sync.duration': 'Időtartam', 'sync.error': 'Eredmény', 'sync.ok': 'Sikeres',
    'sync.deadline': 'A határidőnél megállt; a következő futás folytatja', 'sync.now': 'Szinkronizálás most', 'sync.running': 'Szinkronizálás…',
    'sync.started': '{taxpayer} szinkronizálása elindult ({directions}){ref}; lent az utolsó futása látható.', 'sync.adminOnly': 'Egy adózó szinkronizálását csak az adminisztrátorai vagy az operátor indíthatja.', 'sync.refused': 'A szinkronizálás nem indult el: {detail}',
    'sync.none': 'A fiókja egy adózó adatait sem olvashatja.', 'other': 'Másik adózó…', 'other.prompt': 'Adózó azonosítója (8 számjegy)',
    'error.generic': 'Hiba történt: {detail}', 'error.network': 'A szerver nem érhető el. Ellenőrizze a kapcsolatot, és próbálja újra.',
    'error.notFound': 'Nincs ilyen oldal.', loading: 'Betöltés…', dismiss: 'Bezárás', operator: 'operátor', 'skip': 'Ugrás a tartalomra',
    'title.signin': 'Bejelentkezés', 'title.invoices': 'Számlák {tp}', 'title.invoice': '{number} számla', 'title.sync': 'Szinkronizálás',
    'title.notFound': 'Nincs ilyen oldal', 'title.print': '{number} számla nyomtatható képe',
    'scroll.region': '{name} (vízszintesen görgethető)', 'scroll.hint': 'görgessen oldalra',
    'party.private': 'Magánszemély',
    'problem.invalid_date': '{field}: adjon meg egy dátumot ÉÉÉÉ-HH-NN alakban.', 'problem.invalid_tax_number': '{field}: adjon meg egy érvényes törzsszámot (az adószám első 8 számjegye).',
    'problem.invalid_decimal': '{field}: adjon meg egy számot, pl. 12700,50.', 'problem.out_of_range': '{field}: az érték a megengedett tartományon kívül esik.',
    'problem.too_long': '{field}: túl hosszú.', 'problem.blank': '{field}: nem lehet üres.', 'problem.unknown_value': '{field}: ezek közül válasszon: {allowed}.',
    'problem.range_reversed': '{field}: a tartomány vége korábbi, mint az eleje.', 'problem.invalid_currency': '{field}: háromjegyű pénznemkód, pl. EUR.',
    'problem.invalid_cursor': 'Ez a lapozási hivatkozás elavult; kezdje újra az első oldaltól.', 'problem.required': '{field}: kötelező.',
    'problem.invalid_invoice_number': 'Ez nem érvényes számlaszám.', 'problem.unknown_parameter': 'A címben olyan paraméter van, amelyet ez az oldal nem ismer ({field}).',
    'problem.empty_parameter': '{field}: üres.', 'problem.repeated_parameter': '{field}: többször szerepel.', 'problem.invalid_parameter': '{field}: az érték nem érvényes.',
    'problem.bad_request': 'A szerver nem tudta értelmezni a kérést.', 'problem.unauthorized': 'Jelentkezzen be újra.', 'problem.forbidden': 'A fiókja ezt nem láthatja.',
    'problem.not_found': 'Nem található: lehet, hogy még nincs szinkronizálva.', 'problem.conflict': 'A szerver elutasította: {detail}', 'problem.too_many_requests': 'Túl sok kérés; várjon egy kicsit, és próbálja újra.',
    'problem.unavailable': 'A szolgáltatás átmenetileg nem érhető el; próbálja újra hamarosan.', 'problem.internal': 'Szerverhiba történt; a hibát naplóztuk.',
    'problem.uri_too_long': 'A cím túl hosszú.', 'problem.headers_too_large': 'A kérés túl nagy.', 'problem.method_not_allowed': 'A szerver ezt itt nem engedi.',
    'list.fixFilter': 'Javítsa a megjelölt szűrőt fent.', 'list.failed': 'A számlák nem tölthetők be.',
    'print.open': 'Nyomtatás', 'print.print': 'Nyomtatás vagy mentés PDF-be', 'print.back': 'Vissza a számlához', 'print.number': 'Számla sorszáma',
    'print.title.CREATE': 'Számla', 'print.title.MODIFY': 'Számlával egy tekintet alá eső okirat (módosító)', 'print.title.STORNO': 'Sztornó számla',
    'print.groupMember': 'Csoporttag adószáma',
    'print.source': 'A navsync nyomtatta a NAV Online Számla rendszerbe beküldött számlaadatokból (beérkezett: {received}); nem a számla eredeti példánya.',
    'vs.DOMESTIC': 'Belföldi ÁFA-alany', 'vs.OTHER': 'Egyéb (nem belföldi ÁFA-alany, nem természetes személy)', 'vs.PRIVATE_PERSON': 'Magánszemély (nem ÁFA-alany természetes személy)',
    'unit.PIECE': 'db', 'unit.KILOGRAM': 'kg', 'unit.TON': 't', 'unit.KWH': 'kWh', 'unit.DAY': 'nap', 'unit.HOUR': 'óra', 'unit.MINUTE': 'perc',
    'unit.MONTH': 'hónap', 'unit.LITER': 'liter', 'unit.KILOMETER': 'km', 'unit.CUBIC_METER': 'm³', 'unit.METER': 'm', 'unit.LINEAR_METER': 'folyóméter',
    'unit.CARTON': 'karton', 'unit.PACK': 'csomag', 'unit.OWN': 'saját egység',
  },
};

const KEY = 'navsync.lang';
let lang = (() => {
  const saved = localStorage.getItem(KEY);
  if (saved === 'hu' || saved === 'en') return saved;
  return (navigator.language || '').toLowerCase().startsWith('en') ? 'en' : 'hu';
})();

export const getLang = () => lang;
export function setLang(l) {
  lang = l;
  localStorage.setItem(KEY, l);
  document.documentElement.lang = l;
}
document.documentElement.lang = lang;

export function t(key, vars = {}) {
  const s = STRINGS[lang][key] ?? STRINGS.en[key] ?? key;
  return s.replace(/\{(\w+)\}/g, (_, k) => (vars[k] ?? ''));
}

const locale = () => (lang === 'hu' ? 'hu-HU' : 'en-GB');
const nfCache = new Map();
function nf(opts) {
  const k = locale() + JSON.stringify(opts);
  if (!nfCache.has(k)) nfCache.set(k, new Intl.NumberFormat(locale(), opts));
  return nfCache.get(k);
}

/**
 * An API decimal string as money in `currency`; '' for absent. Forint amounts that are whole
 * show no ",00" (a bookkeeper reads 206 011 Ft); every other amount keeps two decimals. Groups
 * always, so 6 330,95 Ft reads like 206 011 Ft (hu-HU alone leaves 4-digit numbers ungrouped).
 */
export function money(value, currency) {
  if (value == null || value === '') return '';
  const n = Number(value);
  if (!Number.isFinite(n)) return String(value);
  const digits = currency === 'HUF' && Number.isInteger(n) ? 0 : 2;
  const opts = { minimumFractionDigits: digits, maximumFractionDigits: digits, useGrouping: 'always' };
  try {
    return nf({ style: 'currency', currency, ...opts }).format(n);
  } catch {
    return `${nf(opts).format(n)} ${currency}`;
  }
}

export function huf(value) { return money(value, 'HUF'); }

export function decimal(value, maxDigits = 6) {
  if (value == null || value === '') return '';
  const n = Number(value);
  return Number.isFinite(n) ? nf({ maximumFractionDigits: maxDigits }).format(n) : String(value);
}

export function percent(value) {
  if (value == null) return '';
  return nf({ style: 'percent', maximumFractionDigits: 2 }).format(Number(value));
}

export function integer(n) { return nf({ maximumFractionDigits: 0, useGrouping: 'always' }).format(n); }

/** A `YYYY-MM-DD` date, read as a calendar date (no time-zone shift). */
export function date(value) {
  if (!value) return '';
  const d = new Date(`${value}T00:00:00Z`);
  if (Number.isNaN(d.getTime())) return value;
  return new Intl.DateTimeFormat(locale(), { year: 'numeric', month: '2-digit', day: '2-digit', timeZone: 'UTC' }).format(d);
}

/** An RFC 3339 instant in the browser's time zone. */
export function dateTime(value) {
  if (!value) return '';
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) return value;
  return new Intl.DateTimeFormat(locale(), { dateStyle: 'short', timeStyle: 'medium' }).format(d);
}

export function bytes(n) {
  return n < 1024 ? `${integer(n)} B` : `${decimal(n / 1024, 1)} KiB`;
}

export function duration(ms) {
  return ms < 1000 ? `${integer(ms)} ms` : `${decimal(ms / 1000, 1)} s`;
}

/** A NAV code value (`unit.LITER`, `vs.PRIVATE_PERSON`) in the current language; a value
 * NAV's schema does not list (a supplier's own unit name) is shown as written. */
export function code(prefix, value) {
  if (value == null || value === '') return '';
  const key = `${prefix}.${value}`;
  const s = t(key);
  return s === key ? String(value) : s;
}

/** Whether a string exists for `key` (in the current language or English). */
export function has(key) {
  return key in STRINGS[lang] || key in STRINGS.en;
}
