//! The dashboard's words in English and Spanish: one small catalogue, looked up by key.
//!
//! A person's language is their saved preference, else the first of `en`/`es` in the
//! browser's `Accept-Language`, else English. Templates call `t("key")`; Rust code calls
//! [`Lang::t`]. A key missing from the catalogue shows as the key itself (visible, never
//! empty), and a test checks that every key the templates use exists in both languages.

use std::collections::HashMap;
use std::sync::LazyLock;

/// An interface language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// English (default).
    En,
    /// Spanish.
    Es,
}

impl Lang {
    /// The code (`en`, `es`).
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Es => "es",
        }
    }

    /// `en`/`es` (and regional forms like `es-MX`), else `None`.
    pub fn parse(code: &str) -> Option<Lang> {
        let primary = code.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        match primary.as_str() {
            "en" => Some(Lang::En),
            "es" => Some(Lang::Es),
            _ => None,
        }
    }

    /// The preferred supported language in an `Accept-Language` header (by q-value, then
    /// order), English when none is supported.
    pub fn from_accept_language(header: &str) -> Lang {
        let mut best: Option<(f32, Lang)> = None;
        for part in header.split(',') {
            let mut bits = part.split(';');
            let Some(lang) = bits.next().and_then(Lang::parse) else {
                continue;
            };
            let q = bits
                .find_map(|b| b.trim().strip_prefix("q="))
                .and_then(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            if q > 0.0 && best.is_none_or(|(bq, _)| q > bq) {
                best = Some((q, lang));
            }
        }
        best.map_or(Lang::En, |(_, l)| l)
    }

    /// The message for `key` in this language (the key itself when missing).
    pub fn t(self, key: &str) -> &str {
        match CATALOGUE.get(key) {
            Some((en, es)) => match self {
                Lang::En => en,
                Lang::Es => es,
            },
            None => key,
        }
    }
}

static CATALOGUE: LazyLock<HashMap<&'static str, (&'static str, &'static str)>> =
    LazyLock::new(|| MESSAGES.iter().map(|&(k, en, es)| (k, (en, es))).collect());

/// (key, English, Spanish).
pub const MESSAGES: &[(&str, &str, &str)] = &[
    // Navigation and layout
    ("nav_label", "Main", "Principal"),
    ("nav_inbox", "Inbox", "Bandeja"),
    ("nav_overview", "Overview", "Resumen"),
    ("nav_alerts", "Alerts", "Alertas"),
    ("nav_sources", "Sources", "Fuentes"),
    ("nav_team", "Team", "Equipo"),
    ("team_title", "Team", "Equipo"),
    (
        "team_intro",
        "Who can use this dashboard and what they may do. Viewers read, members triage, admins also manage the team and retry failed messages.",
        "Quién puede usar este panel y qué puede hacer. Los lectores consultan, los miembros gestionan menciones y los administradores también gestionan el equipo y reintentan mensajes fallidos.",
    ),
    ("team_email", "Email", "Correo"),
    ("team_role", "Role", "Rol"),
    ("team_state", "Account", "Cuenta"),
    ("team_since", "Since", "Desde"),
    ("team_enabled", "active", "activa"),
    ("team_disabled", "disabled", "desactivada"),
    ("team_disable", "Disable", "Desactivar"),
    ("team_enable", "Enable", "Activar"),
    ("team_add", "Add a person", "Añadir a alguien"),
    ("team_add_button", "Add", "Añadir"),
    (
        "team_roles_help",
        "Disabling someone logs them out at once and stops their API tokens.",
        "Desactivar a alguien cierra su sesión al momento y detiene sus tokens de API.",
    ),
    ("team_created", "Account created", "Cuenta creada"),
    (
        "team_password_once",
        "Give them this password (it is shown only now); they can change it in their settings.",
        "Dale esta contraseña (solo se muestra ahora); podrá cambiarla en su configuración.",
    ),
    ("nav_settings", "Your settings", "Tu configuración"),
    ("logout", "Log out", "Cerrar sesión"),
    ("role_admin", "admin", "administrador"),
    ("role_member", "member", "miembro"),
    ("role_viewer", "viewer", "lector"),
    // Login
    ("login_title", "Log in", "Iniciar sesión"),
    (
        "login_intro",
        "The team's inbox for what people say about your brands.",
        "La bandeja del equipo para lo que se dice de tus marcas.",
    ),
    ("email", "Email", "Correo electrónico"),
    ("password", "Password", "Contraseña"),
    ("login_button", "Log in", "Entrar"),
    (
        "login_failed",
        "That email and password do not match an account.",
        "Ese correo y esa contraseña no corresponden a ninguna cuenta.",
    ),
    (
        "login_throttled",
        "Too many failed attempts from your address. Wait a few minutes and try again.",
        "Demasiados intentos fallidos desde tu dirección. Espera unos minutos y vuelve a intentarlo.",
    ),
    // Refusals
    (
        "forbidden_origin",
        "This request came from another site, so it was refused.",
        "Esta petición venía de otro sitio y se ha rechazado.",
    ),
    (
        "forbidden_csrf",
        "This form has expired. Go back, reload the page and try again.",
        "Este formulario ha caducado. Vuelve atrás, recarga la página e inténtalo de nuevo.",
    ),
    (
        "forbidden_role",
        "Your role does not allow this change. Ask an admin.",
        "Tu rol no permite este cambio. Pídeselo a un administrador.",
    ),
    // Inbox
    ("inbox_title", "Inbox", "Bandeja de entrada"),
    (
        "inbox_intro",
        "Mentions waiting for the team, most urgent first: the most negative, from the sources that matter most, waiting longest.",
        "Menciones que esperan al equipo, las más urgentes primero: las más negativas, de las fuentes que más pesan, las que más llevan esperando.",
    ),
    ("export_csv", "Export CSV", "Exportar CSV"),
    ("filter_status", "Status", "Estado"),
    ("filter_text", "Search", "Buscar"),
    (
        "filter_text_hint",
        "words in the title or text",
        "palabras del título o del texto",
    ),
    ("filter_label", "Sentiment", "Sentimiento"),
    ("filter_brand", "Brand", "Marca"),
    ("filter_source", "Source", "Fuente"),
    ("filter_lang", "Language", "Idioma"),
    ("filter_assignee", "Assigned to", "Asignada a"),
    ("filter_from", "From", "Desde"),
    ("filter_to", "To", "Hasta"),
    ("sort", "Order", "Orden"),
    ("sort_urgency", "Most urgent first", "Más urgentes primero"),
    ("sort_newest", "Newest first", "Más recientes primero"),
    ("sort_oldest", "Oldest first", "Más antiguas primero"),
    (
        "sort_negative",
        "Most negative first",
        "Más negativas primero",
    ),
    ("any", "Any", "Cualquiera"),
    ("anyone", "Anyone", "Cualquiera"),
    ("nobody", "Nobody", "Nadie"),
    ("me", "Me", "Yo"),
    ("apply", "Apply", "Aplicar"),
    ("clear", "Clear filters", "Quitar filtros"),
    ("mention_one", "mention", "mención"),
    ("mention_many", "mentions", "menciones"),
    ("page", "page", "página"),
    (
        "keys_hint",
        "Keys: j / k to move, Enter to open, / to search.",
        "Teclas: j / k para moverte, Intro para abrir, / para buscar.",
    ),
    (
        "keys_hint_bulk",
        "x to tick the current mention.",
        "x para marcar la mención actual.",
    ),
    (
        "bulk_label",
        "With the ticked mentions:",
        "Con las menciones marcadas:",
    ),
    (
        "bulk_select_all",
        "Tick every mention on this page",
        "Marcar todas las menciones de esta página",
    ),
    ("bulk_select", "Tick", "Marcar"),
    ("bulk_acknowledge", "Acknowledge", "Marcar como vistas"),
    ("bulk_assign_me", "Assign to me", "Asignármelas"),
    ("bulk_resolve", "Resolve", "Resolver"),
    ("bulk_dismiss", "Not about us", "No son sobre nosotros"),
    (
        "bulk_none",
        "Tick at least one mention first.",
        "Marca primero al menos una mención.",
    ),
    ("bulk_changed", "{n} changed.", "{n} cambiadas."),
    (
        "bulk_conflicts",
        "{n} left as they were: someone else changed them meanwhile (shown as they are now).",
        "{n} sin tocar: otra persona las cambió mientras tanto (se ven como están ahora).",
    ),
    (
        "bulk_left",
        "{n} left as they were: the action does not fit their status.",
        "{n} sin tocar: la acción no corresponde a su estado.",
    ),
    ("col_score", "Score", "Puntuación"),
    ("col_mention", "Mention", "Mención"),
    ("col_brand", "Brand", "Marca"),
    ("col_when", "When", "Cuándo"),
    ("col_status", "Status", "Estado"),
    ("col_assignee", "Assigned to", "Asignada a"),
    ("pagination", "Pages", "Páginas"),
    ("prev", "Previous", "Anterior"),
    ("next", "Next", "Siguiente"),
    ("empty_title", "Nothing to show", "Nada que mostrar"),
    (
        "empty_open",
        "No open mentions: everything new has been acknowledged, answered or resolved. New mentions appear here as the sources are polled.",
        "No hay menciones abiertas: todo lo nuevo está visto, respondido o resuelto. Las nuevas aparecen aquí en cuanto se consultan las fuentes.",
    ),
    (
        "empty_filtered",
        "No mention matches these filters. Try a wider date range, another status tab, or clear the filters.",
        "Ninguna mención coincide con estos filtros. Prueba con más fechas, otra pestaña de estado o quita los filtros.",
    ),
    ("status_open", "Open", "Abiertas"),
    ("status_all", "All", "Todas"),
    ("status_new", "New", "Nueva"),
    ("status_acknowledged", "Acknowledged", "Vista"),
    ("status_responded", "Responded", "Respondida"),
    ("status_resolved", "Resolved", "Resuelta"),
    ("status_dismissed", "Not about us", "No es sobre nosotros"),
    ("label_negative", "negative", "negativa"),
    ("label_neutral", "neutral", "neutra"),
    ("label_positive", "positive", "positiva"),
    // Mention page
    ("back_to_inbox", "Back to the inbox", "Volver a la bandeja"),
    ("fetched", "found", "encontrada"),
    ("published", "published", "publicada"),
    ("by", "by", "por"),
    ("open_original", "Open the original", "Abrir el original"),
    (
        "original_not_link",
        "Original address (not a web link, so not clickable)",
        "Dirección original (no es un enlace web, no se puede abrir)",
    ),
    (
        "no_original",
        "No link to the original",
        "Sin enlace al original",
    ),
    ("what_they_said", "What they said", "Qué dicen"),
    ("full_text", "Full text", "Texto completo"),
    (
        "bad_request",
        "That request was not understood.",
        "No se entendió esa petición.",
    ),
    ("language", "Language", "Idioma"),
    ("lang_unsure", "uncertain", "dudoso"),
    ("rating", "Rating", "Valoración"),
    ("label", "Sentiment", "Sentimiento"),
    (
        "corrected_from",
        "corrected by a person; computed:",
        "corregido por una persona; calculado:",
    ),
    (
        "whole_text_score",
        "Score of the whole text",
        "Puntuación del texto completo",
    ),
    ("why_score", "Why this score", "Por qué esta puntuación"),
    (
        "no_terms",
        "No scoring words were found: the text is neutral.",
        "No se encontraron palabras con carga: el texto es neutro.",
    ),
    (
        "no_terms_recorded",
        "The words behind this score were not recorded (it may come from a star rating).",
        "No se guardaron las palabras de esta puntuación (puede venir de una valoración con estrellas).",
    ),
    ("answered_after", "answered after", "respondida en"),
    ("triage", "Triage", "Gestión"),
    ("first_response", "First response", "Primera respuesta"),
    ("our_reply", "our reply", "nuestra respuesta"),
    ("not_answered", "not answered yet", "sin responder"),
    ("waiting", "waiting", "esperando"),
    ("next_mention", "Next mention", "Siguiente mención"),
    (
        "overdue",
        "past the {sla} target",
        "fuera del objetivo de {sla}",
    ),
    ("resolved_at", "Resolved", "Resuelta"),
    ("act_acknowledge", "Acknowledge", "Marcar como vista"),
    ("act_reopen", "Reopen", "Reabrir"),
    ("act_resolve", "Resolve", "Resolver"),
    ("act_respond", "We responded", "Hemos respondido"),
    (
        "respond_help",
        "Where and when the team answered; this starts the response clock.",
        "Dónde y cuándo respondió el equipo; con esto se mide el tiempo de respuesta.",
    ),
    (
        "response_url",
        "Link to our reply (optional)",
        "Enlace a nuestra respuesta (opcional)",
    ),
    ("response_time", "When we answered", "Cuándo respondimos"),
    (
        "act_respond_button",
        "Mark responded",
        "Marcar como respondida",
    ),
    ("act_assign", "Assign", "Asignar"),
    ("act_assign_button", "Assign", "Asignar"),
    ("act_note", "Add a note", "Añadir una nota"),
    ("note", "Note", "Nota"),
    ("act_note_button", "Add note", "Añadir nota"),
    (
        "act_relabel",
        "Correct the sentiment",
        "Corregir el sentimiento",
    ),
    (
        "relabel_help",
        "Your correction is kept apart from the computed score.",
        "Tu corrección se guarda aparte de la puntuación calculada.",
    ),
    ("label_computed", "As computed", "La calculada"),
    (
        "act_relabel_button",
        "Save correction",
        "Guardar corrección",
    ),
    ("act_dismiss", "Not about us", "No es sobre nosotros"),
    (
        "dismiss_help",
        "Hides it from every figure. Optionally add a phrase so similar items are not matched again.",
        "La quita de todas las cifras. Si quieres, añade una frase para que no se vuelvan a recoger casos parecidos.",
    ),
    (
        "exclude_term",
        "Exclude this phrase for the brand (optional)",
        "Excluir esta frase para la marca (opcional)",
    ),
    ("act_dismiss_button", "Dismiss", "Descartar"),
    (
        "viewer_note",
        "You can read everything; changing mentions needs a member account.",
        "Puedes verlo todo; para cambiar menciones hace falta una cuenta de miembro.",
    ),
    ("history", "History", "Historial"),
    (
        "no_history",
        "Nobody has acted on this mention yet.",
        "Nadie ha actuado todavía sobre esta mención.",
    ),
    ("action_status", "changed the status", "cambió el estado"),
    (
        "action_assign",
        "changed the assignee",
        "cambió la asignación",
    ),
    ("action_note", "added a note", "añadió una nota"),
    (
        "action_respond",
        "recorded a response",
        "registró una respuesta",
    ),
    (
        "action_relabel",
        "corrected the sentiment",
        "corrigió el sentimiento",
    ),
    (
        "action_dismiss",
        "dismissed it as not about us",
        "la descartó por no ser sobre nosotros",
    ),
    ("done", "Saved.", "Guardado."),
    (
        "conflict",
        "Someone else changed this mention a moment ago. Here is the latest version; please check and try again.",
        "Otra persona acaba de cambiar esta mención. Esta es la versión actual; revísala e inténtalo de nuevo.",
    ),
    (
        "bad_time",
        "That time could not be read; use the date picker.",
        "No se pudo leer esa hora; usa el selector de fecha.",
    ),
    // Overview
    ("overview_title", "Overview", "Resumen"),
    (
        "overview_intro",
        "Last 30 days per brand",
        "Últimos 30 días por marca",
    ),
    (
        "kpi_open_negatives",
        "open negative mentions",
        "menciones negativas abiertas",
    ),
    (
        "kpi_median_response",
        "median time to first response",
        "mediana hasta la primera respuesta",
    ),
    ("sla", "target", "objetivo"),
    (
        "kpi_within_sla",
        "answered within target",
        "respondidas dentro del objetivo",
    ),
    ("answered", "answered", "respondidas"),
    ("kpi_volume", "mentions", "menciones"),
    ("chart_caption", "mentions per day", "menciones por día"),
    ("no_brands_title", "No brands yet", "Todavía no hay marcas"),
    (
        "no_brands",
        "Add a [[brand]] to vigia.toml and its figures appear here.",
        "Añade un [[brand]] a vigia.toml y aquí aparecerán sus cifras.",
    ),
    // Alerts
    ("alerts_title", "Alerts", "Alertas"),
    (
        "alerts_intro",
        "What the alert rules fired, and the emails and webhooks they sent.",
        "Lo que han disparado las reglas de alerta y los correos y webhooks enviados.",
    ),
    ("mute_title", "Alerts of rule", "Alertas de la regla"),
    (
        "mute_help",
        "To silence this rule, an admin removes it from vigia.toml or narrows it (threshold, brand, sources). Below are only its alerts.",
        "Para silenciar esta regla, un administrador la quita de vigia.toml o la acota (umbral, marca, fuentes). Abajo solo están sus alertas.",
    ),
    ("show_all_alerts", "Show every rule", "Ver todas las reglas"),
    ("alert_history", "Alert history", "Historial de alertas"),
    ("col_rule", "Rule", "Regla"),
    ("col_mentions", "Mentions", "Menciones"),
    ("col_notified", "Sent", "Enviada"),
    ("waiting_to_send", "waiting", "pendiente"),
    (
        "no_alerts",
        "No alert has fired. When a rule fires, it is listed here.",
        "No ha saltado ninguna alerta. Cuando salte una regla, aparecerá aquí.",
    ),
    ("outbox_title", "Outgoing messages", "Mensajes salientes"),
    (
        "outbox_intro",
        "Dead letters failed for good (the server refused them); retry one after fixing the cause.",
        "Los mensajes fallidos no se pudieron entregar (el servidor los rechazó); reinténtalos tras corregir la causa.",
    ),
    ("col_to", "To", "Para"),
    ("col_subject", "Subject", "Asunto"),
    ("col_attempts", "Attempts", "Intentos"),
    ("col_error", "Last error", "Último error"),
    ("retry", "Retry", "Reintentar"),
    (
        "retried",
        "Queued again; it will be sent in a moment.",
        "En cola de nuevo; se enviará enseguida.",
    ),
    (
        "not_dead",
        "That message is not a dead letter any more.",
        "Ese mensaje ya no está entre los fallidos.",
    ),
    ("no_outbox", "No messages yet.", "Todavía no hay mensajes."),
    ("outbox_pending", "pending", "pendiente"),
    ("outbox_sent", "sent", "enviado"),
    ("outbox_dead", "failed", "fallido"),
    // Sources
    ("sources_title", "Sources", "Fuentes"),
    (
        "sources_intro",
        "Every place vigia watches, and whether it is working.",
        "Todos los sitios que vigia observa y si funcionan.",
    ),
    ("col_source", "Source", "Fuente"),
    ("col_health", "Health", "Estado"),
    ("col_last_success", "Last success", "Último éxito"),
    ("col_last_new", "Last new mention", "Última mención nueva"),
    ("col_next_check", "Next check", "Próxima consulta"),
    ("col_items", "Items last time", "Elementos la última vez"),
    ("col_last_error", "Last error", "Último error"),
    ("never", "never", "nunca"),
    ("health_new", "new", "nueva"),
    ("health_ok", "ok", "bien"),
    ("health_failing", "failing", "fallando"),
    ("health_blocked", "blocked", "bloqueada"),
    ("health_drifted", "drifted", "cambiada"),
    ("health_stale", "stale", "sin novedades"),
    (
        "health_legend",
        "failing: the last poll failed and is retried with backoff · blocked: the site refuses us (robots.txt, 403, CAPTCHA) · drifted: the site changed its layout · stale: nothing new for a long time.",
        "fallando: la última consulta falló y se reintenta · bloqueada: el sitio nos rechaza (robots.txt, 403, CAPTCHA) · cambiada: el sitio cambió su formato · sin novedades: nada nuevo desde hace mucho.",
    ),
    (
        "no_sources_title",
        "No sources yet",
        "Todavía no hay fuentes",
    ),
    (
        "no_sources",
        "Add a [[source]] to vigia.toml; it appears here after the worker starts.",
        "Añade un [[source]] a vigia.toml; aparecerá aquí cuando arranque el proceso.",
    ),
    // Settings
    ("settings_title", "Your settings", "Tu configuración"),
    ("preferences", "Language and time", "Idioma y hora"),
    ("lang_browser", "As my browser", "Como mi navegador"),
    (
        "timezone",
        "Timezone for dates",
        "Zona horaria de las fechas",
    ),
    ("save", "Save", "Guardar"),
    ("saved", "Saved.", "Guardado."),
    ("api_tokens", "API tokens", "Tokens de API"),
    (
        "api_tokens_help",
        "For scripts that read mentions or change their status through /api/. A token acts as you.",
        "Para programas que leen menciones o cambian su estado con /api/. Un token actúa en tu nombre.",
    ),
    ("token_name", "What it is for", "Para qué es"),
    ("create_token", "Create token", "Crear token"),
    ("your_tokens", "Your API tokens", "Tus tokens de API"),
    ("password_title", "Password", "Contraseña"),
    ("password_current", "Current password", "Contraseña actual"),
    ("password_new", "New password", "Contraseña nueva"),
    (
        "password_again",
        "New password again",
        "Repite la contraseña nueva",
    ),
    (
        "password_help",
        "At least 10 characters. Your other sessions end.",
        "Al menos 10 caracteres. Tus otras sesiones se cierran.",
    ),
    (
        "password_button",
        "Change password",
        "Cambiar la contraseña",
    ),
    (
        "wrong_password",
        "That is not your current password.",
        "Esa no es tu contraseña actual.",
    ),
    (
        "passwords_differ",
        "The two new passwords differ.",
        "Las dos contraseñas nuevas no coinciden.",
    ),
    (
        "password_short",
        "The new password needs at least 10 characters.",
        "La contraseña nueva necesita al menos 10 caracteres.",
    ),
    (
        "password_changed",
        "Password changed. Your other sessions have ended.",
        "Contraseña cambiada. Tus otras sesiones se han cerrado.",
    ),
    ("token_created_at", "Created", "Creado"),
    ("token_last_used", "Last used", "Último uso"),
    ("token_never_used", "never", "nunca"),
    ("token_revoked", "revoked", "revocado"),
    ("token_revoke", "Revoke", "Revocar"),
    (
        "revoked",
        "Token revoked: it no longer works.",
        "Token revocado: ya no funciona.",
    ),
    (
        "token_created",
        "Your new API token",
        "Tu nuevo token de API",
    ),
    (
        "token_once",
        "Copy it now: it is shown only this once and cannot be recovered.",
        "Cópialo ahora: solo se muestra esta vez y no se puede recuperar.",
    ),
    (
        "bad_timezone",
        "Unknown timezone.",
        "Zona horaria desconocida.",
    ),
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::web::render::TEMPLATES;

    #[test]
    fn accept_language_picks_the_best_supported() {
        assert_eq!(
            Lang::from_accept_language("es-MX,es;q=0.9,en;q=0.8"),
            Lang::Es
        );
        assert_eq!(Lang::from_accept_language("fr,en;q=0.5,es;q=0.4"), Lang::En);
        assert_eq!(Lang::from_accept_language("de"), Lang::En);
        assert_eq!(Lang::from_accept_language("en;q=0.2, es;q=0.9"), Lang::Es);
        assert_eq!(Lang::from_accept_language(""), Lang::En);
    }

    #[test]
    fn every_template_key_exists_once_in_both_languages() {
        let mut seen = std::collections::HashSet::new();
        for (k, en, es) in MESSAGES {
            assert!(seen.insert(*k), "duplicate key {k}");
            assert!(!en.is_empty() && !es.is_empty(), "{k} is empty");
        }
        for (name, source) in TEMPLATES {
            for quote in ['"', '\''] {
                let open = format!("t({quote}");
                for piece in source.split(&open).skip(1) {
                    let key = piece.split(quote).next().unwrap_or("");
                    assert!(
                        CATALOGUE.contains_key(key),
                        "{name} uses t({key}) with no message"
                    );
                }
            }
        }
    }
}
