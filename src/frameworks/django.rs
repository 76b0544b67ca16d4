//! Django and Django REST framework: views and view sets reached from URL
//! configurations (`urlpatterns`, `include("app.urls")`, DRF routers), and
//! project-wide defaults in the settings: Django's `LoginRequiredMiddleware`
//! covers every Django view, DRF's `DEFAULT_PERMISSION_CLASSES` and
//! `DEFAULT_THROTTLE_CLASSES` every DRF view (a plain Django view marked
//! `@api_view` is one). A view class no URL configuration reaches serves
//! nothing. The syntax is read in `src/analysis/django.rs`.

use super::{AuthFix, Framework, Spec};

pub(super) const DJANGO: Spec = Spec {
    name: "django",
    modules: &[],
    router_builders: Some(&[]),
    import_prefixes: &["django"],
    decorator_routes: false,
    unscoped_defaults: false,
    needs_url_configuration: true,
    next_middleware: false,
    settings: &["LoginRequiredMiddleware", "urlpatterns"],
    auth_fix: None,
    rate_limit_fix: None,
};

pub(super) const DRF: Spec = Spec {
    name: "drf",
    import_prefixes: &["rest_framework"],
    settings: &["REST_FRAMEWORK"],
    auth_fix: Some(AuthFix::Drf),
    ..DJANGO
};

/// Whether a Django or DRF project-wide default covers a route of `route`
/// whose handler is a view of `view`.
pub(super) fn default_covers(default: Option<Framework>, route: Framework, view: Option<Framework>) -> bool {
    match default {
        Some(Framework::Drf) => route == Framework::Drf || view == Some(Framework::Drf),
        Some(Framework::Django) => matches!(route, Framework::Django | Framework::Drf),
        _ => false,
    }
}
