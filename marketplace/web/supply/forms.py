"""Forms of the operator/broker workbench: product editor with plans, dictionary and samples; mandates."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    Form,
    FormField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, NumberRange, Optional

from marketplace.catalog_terms import DOMAINS, OPENNESS, PRODUCT_TYPES, REGIONS, SECURITY_GRADES, UPDATE_FREQUENCIES
from marketplace.supply.content import FIELD_TYPES, MEANING_MAX, NAME_MAX
from marketplace.web.forms_util import label_choices
from marketplace.web.ints import coerce_db_int
from marketplace.web.limits import max_chars
from pricing import CHARGE_FORM_LABELS, ChargeForm
from pricing.charge_forms import PACKAGE_PRICED_FORMS, TIERED_FORMS, UNIT_PRICED_FORMS

PLAN_SLOTS = 4
DICT_SLOTS = 5  # blank dictionary rows offered on a new product (an edit shows its rows plus 3 blank ones)
# Which inputs of a plan row a charge form uses (the editor hides the others); mirrors product_input.plan_from_row.
PLAN_FIELDS = {f.value: [name for name, group in (("price", PACKAGE_PRICED_FORMS), ("unit_price", UNIT_PRICED_FORMS),
                                                 ("tiers", TIERED_FORMS),
                                                 ("free_quota", TIERED_FORMS | UNIT_PRICED_FORMS),
                                                 ("package_calls", {ChargeForm.PREPAID_CALLS})) if f in group]
               for f in ChargeForm}
PLAN_HINTS = {
    ChargeForm.ONE_OFF: _l("买方一次付款、长期使用：填写价格。"),
    ChargeForm.SUBSCRIPTION_MONTH: _l("按月订阅：填写每月价格。"),
    ChargeForm.SUBSCRIPTION_YEAR: _l("按年订阅：填写每年价格。"),
    ChargeForm.PER_CALL_FLAT: _l("按实际调用次数结算：填写每次单价，可设免费额度。"),
    ChargeForm.PER_CALL_GRADUATED: _l("累进阶梯：每一档内的调用按该档单价计费，"
                                      "例如前 10000 次 0.05 元/次、超出部分 0.03 元/次。"),
    ChargeForm.PER_CALL_VOLUME: _l("阶梯总量：按当期总调用量所在的档位，全部调用都按该档单价计费。"),
    ChargeForm.PREPAID_CALLS: _l("预付费次数包：买方先付价格，获得包内次数的调用。"),
    ChargeForm.PER_RECORD: _l("按交付的数据条数结算：填写每条单价，可设免费额度。"),
    ChargeForm.NEGOTIATED: _l("不公开价格：买方询价后由挂牌方报价（受托的数据经纪人，"
                                "否则为运营单位），报价同样不得高于上限收费标准。"),
    ChargeForm.FREE_PUBLIC: _l("公益免费：无需填写价格。"),
}


class PlanForm(Form):
    """One price plan row (plain Form: the outer form carries the CSRF token)."""

    plan_name = StringField(_l("方案名称"), validators=[max_chars(100)])
    charge_form = SelectField(_l("收费方式"), choices=[("", _l("（不使用）"))] + label_choices(CHARGE_FORM_LABELS),
                              validate_choice=False)
    price = StringField(_l("价格（元）"), validators=[max_chars(30)])
    unit_price = StringField(_l("单价（元/次或元/条）"), validators=[max_chars(30)])
    tiers = TextAreaField(_l("价格阶梯"), validators=[max_chars(1000)])
    free_quota = IntegerField(_l("免费额度（次）"), validators=[Optional(), NumberRange(min=0, max=10**9)])
    package_calls = IntegerField(_l("包内次数"), validators=[Optional(), NumberRange(min=1, max=10**9)])
    rate_per_second = IntegerField(_l("调用频率上限（次/秒）"), validators=[Optional(), NumberRange(min=1, max=1000)])


class DictionaryRowForm(Form):
    """One field of the data dictionary: name, type from the fixed list, meaning, masked (a blank row is skipped)."""

    name = StringField(_l("字段名"), validators=[max_chars(NAME_MAX)])
    type = SelectField(_l("类型"), choices=label_choices(FIELD_TYPES), default="string", validate_choice=False)
    meaning = StringField(_l("含义"), validators=[max_chars(MEANING_MAX)])
    masked = BooleanField(_l("脱敏"))


class ProductForm(FlaskForm):
    operator_id = SelectField(_l("委托运营单位"), coerce=coerce_db_int, validate_choice=False)
    agreement_id = SelectField(_l("授权运营协议"), coerce=coerce_db_int, validate_choice=False)
    type = SelectField(_l("产品类型"), choices=label_choices(PRODUCT_TYPES))
    title = StringField(_l("产品名称"), validators=[DataRequired(_l("请填写产品名称")), max_chars(200)])
    summary = StringField(_l("摘要"), validators=[max_chars(500)])
    description_md = TextAreaField(_l("详细介绍（Markdown）"), validators=[max_chars(20000)])
    domain = SelectField(_l("数据领域"), choices=label_choices(DOMAINS))
    region = SelectField(_l("覆盖地区"), choices=label_choices(REGIONS))
    openness = SelectField(_l("开放属性"), choices=label_choices(OPENNESS))
    security_grade = SelectField(_l("数据分级"), choices=label_choices(SECURITY_GRADES))
    registration_code = StringField(_l("数据产品登记码"), validators=[max_chars(80)])
    update_frequency = SelectField(_l("更新频率"), choices=label_choices(UPDATE_FREQUENCIES))
    delivery_mode = StringField(_l("交付方式说明"), validators=[max_chars(60)])
    offline_delivery = BooleanField(_l("线下/合同交付（运营单位登记交付，买方确认收货）"))
    version_notes = TextAreaField(_l("版本说明"), validators=[max_chars(4000)])
    data_dictionary = FieldList(FormField(DictionaryRowForm), min_entries=DICT_SLOTS)
    sample_rows = TextAreaField(_l("样例数据（CSV，首行为字段名）"), validators=[max_chars(20000)])
    plans = FieldList(FormField(PlanForm), min_entries=PLAN_SLOTS, max_entries=8)
    save = SubmitField(_l("保存草稿"))
    submit_review = SubmitField(_l("保存并提交审核"))


class MandateForm(FlaskForm):
    broker_id = SelectField(_l("数据经纪人"), coerce=coerce_db_int, validate_choice=False)
    product_ids = SelectMultipleField(_l("委托产品"), coerce=coerce_db_int, validate_choice=False)
    commission_pct = StringField(_l("佣金比例（%）"), validators=[DataRequired(_l("请填写佣金比例")), max_chars(10)])
    start_date = DateField(_l("开始日期"), validators=[DataRequired(_l("请选择开始日期"))])
    end_date = DateField(_l("结束日期"), validators=[DataRequired(_l("请选择结束日期"))])

