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
    display: "Django",
    packages: &["django"],
    modules: &[],
    router_builders: Some(&[]),
    import_prefixes: &["django"],
    receivers: &[],
    decorator_routes: false,
    unscoped_defaults: false,
    url_configuration: Some(URLPATTERNS),
    next_middleware: false,
    settings: &["LoginRequiredMiddleware", URLPATTERNS],
    auth_fix: None,
    rate_limit_fix: None,
};

pub(super) const DRF: Spec = Spec {
    name: "drf",
    display: "Django REST framework",
    packages: &["rest_framework"],
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

/// Methods of a class-based view that answer HTTP requests.
pub const VIEW_METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

/// DRF viewset actions: name, HTTP method, whether the URL names one object.
pub const VIEWSET_ACTIONS: [(&str, &str, bool); 6] = [
    ("list", "GET", false),
    ("create", "POST", false),
    ("retrieve", "GET", true),
    ("update", "PUT", true),
    ("partial_update", "PATCH", true),
    ("destroy", "DELETE", true),
];

/// The name of the module-level list Django reads URL patterns from.
pub const URLPATTERNS: &str = "urlpatterns";

/// The DRF modules the authentication fix imports `IsAuthenticated` and the
/// `@permission_classes` decorator from.
pub const DRF_PERMISSIONS: &str = "rest_framework.permissions";
pub const DRF_DECORATORS: &str = "rest_framework.decorators";
