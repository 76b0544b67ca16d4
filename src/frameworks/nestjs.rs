//! NestJS: controllers (`@Controller("prefix")`) whose methods carry route
//! decorators (`@Post("path")`), guards by `@UseGuards(...)` on the class or
//! the method, and global guards (`APP_GUARD`, `useGlobalGuards`), which
//! are project-wide defaults for NestJS routes. Recognised by its imports;
//! the syntax is read in `src/analysis/nestjs.rs`.

use super::Spec;

pub(super) const SPEC: Spec = Spec {
    name: "nestjs",
    modules: &[],
    router_builders: Some(&[]),
    import_prefixes: &["@nestjs/"],
    decorator_routes: false,
    unscoped_defaults: false,
    needs_url_configuration: false,
    next_middleware: false,
    settings: &[],
    auth_fix: None,
    rate_limit_fix: None,
};
