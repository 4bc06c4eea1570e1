from odoo import models


class IrModuleModule(models.Model):
    _inherit = "ir.module.module"

    def _load_module_terms(
        self, modules, langs, overwrite=False, imported_module=False
    ):
        """Loading the addon's terms for a language (installing the language, or
        updating the addon) also translates the companies' copies of the
        standard dunning policy, as account does for its chart templates."""
        res = super()._load_module_terms(
            modules, langs, overwrite=overwrite, imported_module=imported_module
        )
        if "dunning_advanced" in modules:

            def translate_policies(env):
                env["dunning.policy"]._translate_standard_copies(langs, overwrite)

            if self.env.registry.loaded:
                translate_policies(self.env)
            else:
                self.env.registry._delayed_dunning_translator = translate_policies
        return res

    def _register_hook(self):
        super()._register_hook()
        translator = getattr(self.env.registry, "_delayed_dunning_translator", None)
        if translator:
            translator(self.env)
            del self.env.registry._delayed_dunning_translator
