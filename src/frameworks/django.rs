//! Django and Django REST framework: views and view sets reached from URL
//! configurations (`urlpatterns`, `include("app.urls")`, DRF routers), and
//! project-wide defaults in the settings: Django's `LoginRequiredMiddleware`
//! covers every Django view, DRF's `DEFAULT_PERMISSION_CLASSES` and
//! `DEFAULT_THROTTLE_CLASSES` every DRF view (a plain Django view marked
//! `@api_view` is one). A view class no URL configuration reaches serves
//! nothing. The syntax is read in `src/analysis/django.rs`.

use super::{AuthFix, Family, Framework, Spec};

pub(super) const DJANGO: Spec = Spec {
    name: "django",
    display: "Django",
    packages: &["django"],
    modules: &[],
    router_builders: Some(&[]),
    import_prefixes: &["django"],
    receivers: &[],
    family: Family::Python,
    route_hints: &["urlpatterns", r"def\s+\w+\s*\(\s*(?:self\s*,\s*)?request(?-u:\b)", r"(?-u:\b)View\)", "as_view"],
    route_file: None,
    decorator_routes: false,
    unscoped_defaults: false,
    url_configuration: Some(URLPATTERNS),
    next_middleware: false,
    settings: &[LOGIN_REQUIRED_MIDDLEWARE, URLPATTERNS],
    auth_fix: None,
    rate_limit_fix: None,
};

pub(super) const DRF: Spec = Spec {
    name: "drf",
    display: "Django REST framework",
    packages: &["rest_framework"],
    route_hints: &["@api_view", "APIView", "ViewSet"],
    import_prefixes: &["rest_framework"],
    settings: &[REST_FRAMEWORK],
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

/// DRF's view attributes (and decorators) that decide who may call a view
/// and how often: `permission_classes = [IsAuthenticated]`.
pub const PERMISSION_CLASSES: &str = "permission_classes";
pub const THROTTLE_CLASSES: &str = "throttle_classes";
pub const AUTHENTICATION_CLASSES: &str = "authentication_classes";

/// DRF's `@api_view([...])`, which makes a function a DRF view.
pub const API_VIEW: &str = "api_view";

// The names `src/analysis/django.rs` reads, beside the tables above.

/// `path(route, view)`, `re_path(...)`, `url(...)`: one URL pattern.
pub const PATH: &str = "path";
pub const RE_PATH: &str = "re_path";
pub const URL: &str = "url";

/// `include("app.urls")`, `include(router.urls)`: a URL configuration
/// mounted under a pattern.
pub const INCLUDE: &str = "include";
pub const URLS: &str = "urls";

/// `ChatView.as_view()`: a class-based view in a pattern.
pub const AS_VIEW: &str = "as_view";

/// Base-class name endings of views and DRF viewsets.
pub const VIEW_SUFFIX: &str = "View";
pub const VIEWSET_SUFFIX: &str = "ViewSet";

/// DRF routers (`router = DefaultRouter()`) and their
/// `router.register("threads", ThreadViewSet)`.
pub const DRF_ROUTER: &str = "DefaultRouter";
pub const DRF_SIMPLE_ROUTER: &str = "SimpleRouter";
pub const REGISTER: &str = "register";

/// A viewset's `@action(detail=True, methods=[...], url_path=...)`.
pub const ACTION: &str = "action";
pub const DETAIL: &str = "detail";
pub const METHODS: &str = "methods";
pub const URL_PATH: &str = "url_path";

/// What a view opts out with: `@login_not_required`, `@limiter.exempt`,
/// `permission_classes = [AllowAny]`.
pub const LOGIN_NOT_REQUIRED: &str = "login_not_required";
pub const LIMITER_EXEMPT: &str = "limiter.exempt";
pub const ALLOW_ANY: &str = "AllowAny";

/// The settings that are project-wide defaults: DRF's
/// `REST_FRAMEWORK = {"DEFAULT_PERMISSION_CLASSES": [...], ...}` and
/// Django's `MIDDLEWARE = [..., "...LoginRequiredMiddleware"]`.
pub const REST_FRAMEWORK: &str = "REST_FRAMEWORK";
pub const DEFAULT_PERMISSION_CLASSES: &str = "DEFAULT_PERMISSION_CLASSES";
pub const DEFAULT_THROTTLE_CLASSES: &str = "DEFAULT_THROTTLE_CLASSES";
pub const MIDDLEWARE: &str = "MIDDLEWARE";
pub const LOGIN_REQUIRED_MIDDLEWARE: &str = "LoginRequiredMiddleware";

/// `@method_decorator(login_required, name="dispatch")`: a function
/// decorator put on a class-based view; the decorator it wraps is the guard.
pub const METHOD_DECORATOR: &str = "method_decorator";
