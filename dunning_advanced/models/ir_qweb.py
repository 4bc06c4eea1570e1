from lxml import etree

from odoo import models

# Context key of a dict in which inline templates (etree elements, as
# mail.template renders its body) are compiled once: Odoo compiles an inline
# template for every record it renders, and caches only the named ones.
COMPILED_INLINE = "dunning_compiled_inline"


class IrQweb(models.AbstractModel):
    _inherit = "ir.qweb"

    def _compile(self, template):
        compiled = self.env.context.get(COMPILED_INLINE)
        if compiled is None or not isinstance(template, etree._Element):
            return super()._compile(template)
        # The same source under the same options compiles to the same code.
        options = tuple(
            sorted(
                (key, repr(value))
                for key, value in self.env.context.items()
                if key != COMPILED_INLINE
            )
        )
        key = (etree.tostring(template), options)
        if key not in compiled:
            compiled[key] = super()._compile(template)
        return compiled[key]
