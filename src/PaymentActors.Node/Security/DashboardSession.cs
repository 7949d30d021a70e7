using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace PaymentActors.Node.Security;

/// <summary>
/// The live dashboard on a secured node. A browser's <c>EventSource</c> cannot send a bearer header, so the page
/// exchanges a credential for a session cookie: <c>POST /dashboard/session</c> with <c>Authorization: Bearer KEY</c>
/// (an API key or JWT with the read or admin role; a header, so a cross-site form cannot post it) answers with an
/// ASP.NET Core authentication cookie that is HttpOnly (no script reads it), Secure (HTTPS only), SameSite=Strict
/// (never sent by another site's request), scoped to <c>/dashboard</c>, valid 8 hours (sliding), and that carries
/// the read role only. It is accepted by one endpoint, <c>GET /dashboard/events</c>; every other endpoint takes
/// bearer credentials only. <c>GET /dashboard/session</c> tells the page whether it is signed in;
/// <c>DELETE /dashboard/session</c> signs out. The page and its script and styles are public (they hold no data).
/// </summary>
public static class DashboardSession
{
    public const string CookieScheme = "DashboardCookie";
    public const string CookieName = "paymentactors-dashboard";

    /// <summary>The policy of <c>GET /dashboard/events</c>: bearer credentials or the dashboard cookie, role read or admin.</summary>
    public const string EventsPolicy = "dashboard";

    /// <summary>The policy of <c>POST /dashboard/session</c>: bearer credentials only (a cookie cannot renew itself).</summary>
    public const string LoginPolicy = "dashboard-login";

    public static readonly TimeSpan Lifetime = TimeSpan.FromHours(8);

    public static AuthenticationBuilder AddDashboardCookie(this AuthenticationBuilder authentication) =>
        authentication.AddCookie(CookieScheme, o =>
        {
            o.Cookie.Name = CookieName;
            o.Cookie.HttpOnly = true;
            o.Cookie.SecurePolicy = CookieSecurePolicy.Always;
            o.Cookie.SameSite = SameSiteMode.Strict;
            o.Cookie.Path = "/dashboard";
            o.ExpireTimeSpan = Lifetime;
            o.SlidingExpiration = true;
            // An API, not a site with a login page: answer 401/403 instead of redirecting (the bearer scheme,
            // challenged with it, writes the JSON body when it runs first).
            o.Events.OnRedirectToLogin = context => Status(context.Response, StatusCodes.Status401Unauthorized);
            o.Events.OnRedirectToAccessDenied = context => Status(context.Response, StatusCodes.Status403Forbidden);
        });

    private static Task Status(HttpResponse response, int status)
    {
        if (!response.HasStarted)
        {
            response.StatusCode = status;
        }

        return Task.CompletedTask;
    }

    /// <summary>Maps the session endpoints (their policies come from <see cref="HttpSecurity.PolicyFor"/>).</summary>
    public static void MapDashboardSession(this IEndpointRouteBuilder app)
    {
        app.MapGet("/dashboard/session", async (HttpContext context) =>
        {
            if (!await SecuredAsync(context))
            {
                return Results.Ok(new { secured = false, signedIn = true });
            }

            var result = await context.AuthenticateAsync(CookieScheme);
            return Results.Ok(new { secured = true, signedIn = result.Succeeded, name = result.Principal?.Identity?.Name });
        }).ExcludeFromDescription();

        app.MapPost("/dashboard/session", async (HttpContext context) =>
        {
            if (!await SecuredAsync(context))
            {
                return Results.Ok(new { secured = false, signedIn = true });
            }

            // Authorised by LoginPolicy: context.User holds the bearer principal (read or admin). The cookie gets read only.
            var name = context.User.Identity?.Name ?? "dashboard";
            var identity = new ClaimsIdentity([new Claim(ClaimTypes.Name, name), new Claim(ClaimTypes.Role, ApiRoles.Read)], CookieScheme);
            await context.SignInAsync(CookieScheme, new ClaimsPrincipal(identity));
            return Results.Ok(new { secured = true, signedIn = true, name });
        }).ExcludeFromDescription();

        app.MapDelete("/dashboard/session", async (HttpContext context) =>
        {
            if (await SecuredAsync(context))
            {
                await context.SignOutAsync(CookieScheme);
            }

            return Results.NoContent();
        }).ExcludeFromDescription();
    }

    private static async Task<bool> SecuredAsync(HttpContext context) =>
        context.RequestServices.GetService<IAuthenticationSchemeProvider>() is { } schemes && await schemes.GetSchemeAsync(CookieScheme) is not null;
}
